"""Column types shared by the models."""

from sqlalchemy import BigInteger, Integer

# A 64-bit integer primary key that is SQLite's rowid there (and so auto-increments).
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
