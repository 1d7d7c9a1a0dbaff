from lrs import create_app

app = create_app()
