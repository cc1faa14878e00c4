"""The team store on PostgreSQL: roles the database enforces, live refresh (LISTEN/NOTIFY), one collector per team.

Only for PostgreSQL stores; psycopg is imported by the functions that talk to the server, never at import time.
"""
