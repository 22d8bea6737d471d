"""Runs SQL in DuckDB against an Iceberg REST catalog, for tests that check DuckDB reads floe's tables.

stdin: {"catalogUri", "warehouse", "s3": {"endpoint", "region", "accessKeyId", "secretAccessKey"},
        "sql": ["SELECT ...", ...]}
stdout: {"duckdb": version, "results": [{"columns": [...], "types": [...], "rows": [[...]]}]}
Every value is DuckDB's own VARCHAR rendering (NULL stays null), so callers compare exact text.

The extensions come from the PyPI wheels in requirements-duckdb.txt (DuckDB cannot download them
here); each wheel holds <package>/extensions/v<duckdb version>/<name>.duckdb_extension.
"""
import importlib.util
import json
import pathlib
import sys

import duckdb


def extension_path(name):
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or spec.origin is None:
        raise SystemExit(f"duckdb-extension-{name} is not installed (pip install -r scripts/stack/requirements-duckdb.txt)")
    path = pathlib.Path(spec.origin).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        raise SystemExit(f"{path} missing: the duckdb-extension-{name} wheel does not match duckdb {duckdb.__version__}")
    return path


def quote(s):
    return "'" + str(s).replace("'", "''") + "'"


def main():
    req = json.load(sys.stdin)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # timestamptz renders in the session's zone
    for name in ("httpfs", "avro", "iceberg"):
        con.execute(f"LOAD {quote(extension_path(name))}")
    s3 = req["s3"]
    endpoint = s3["endpoint"]
    use_ssl = endpoint.startswith("https://")
    host = endpoint.split("://", 1)[-1].rstrip("/")
    con.execute(
        f"CREATE SECRET floe_s3 (TYPE s3, KEY_ID {quote(s3['accessKeyId'])}, SECRET {quote(s3['secretAccessKey'])}, "
        f"ENDPOINT {quote(host)}, URL_STYLE 'path', USE_SSL {str(use_ssl).lower()}, REGION {quote(s3['region'])})"
    )
    con.execute(
        f"ATTACH {quote(req.get('warehouse', ''))} AS floe "
        f"(TYPE iceberg, ENDPOINT {quote(req['catalogUri'])}, AUTHORIZATION_TYPE 'none')"
    )
    results = []
    for sql in req["sql"]:
        rel = con.sql(sql)
        if rel is None:  # CREATE, INSERT, ...: nothing to read back
            results.append({"columns": [], "types": [], "rows": []})
            continue
        # DuckDB renders each value itself (a projection keeps the query's row order).
        as_text = rel.project(", ".join(f'CAST("{c.replace(chr(34), chr(34) * 2)}" AS VARCHAR)' for c in rel.columns))
        rows = [list(row) for row in as_text.fetchall()]
        results.append({"columns": rel.columns, "types": [str(t) for t in rel.types], "rows": rows})
    json.dump({"duckdb": duckdb.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
