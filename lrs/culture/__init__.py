"""Learning-culture features: recommendations, mentoring, learning moments, pulse checks, impact views."""
