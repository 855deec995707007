"""python -m chuangcheng.bench.createdb URL — create the PostgreSQL database if it is missing."""

import sys
from urllib.parse import urlparse

import psycopg2
from psycopg2 import sql


def main(url):
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    admin.close()


if __name__ == "__main__":
    main(sys.argv[1])
