"""Goals and certifications: statements become progress, incrementally and exactly."""
