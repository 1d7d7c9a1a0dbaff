from tests.conftest import statement


def test_post_then_get_round_trip(xapi):
    sid = xapi.store(statement())
    got = xapi.fetch(sid)
    assert got["id"] == sid
    assert got["actor"]["mbox"] == "mailto:ada@example.com"
    result = xapi.get().get_json()
    assert [s["id"] for s in result["statements"]] == [sid]
