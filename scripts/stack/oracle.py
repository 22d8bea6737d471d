#!/usr/bin/env python3
"""floe's query oracle: independent readers of the tables floe writes, behind a tiny HTTP API.

One long-lived process holds ONE SparkSession (a Spark JVM takes 15-30 s to start on 2 cores, so
tests must not start one each) and one PyIceberg REST catalog client. Tests send SQL or scan
requests and compare what these independent implementations read with what floe meant to write.

Endpoints (JSON in, JSON out; bound to 127.0.0.1):
  GET  /health              200 {"status":"ok","spark":v,"pyiceberg":v,"pyarrow":v}; 503 while starting
  POST /spark/sql           {"sql": "..."}                        -> result
                            (Iceberg catalog `floe`, also Spark's default catalog; its settings
                            come from catalog/spark/spark-defaults.conf, shared with docker-compose)
  POST /spark/scan          {"sql": "SELECT ..."} -> result plus "scans": [{"node", "metrics"}], the
                            metrics of every DataSourceV2 scan in the executed plan (Iceberg reports
                            resultDataFiles, skippedDataFiles, scannedDataManifests, ... there)
  POST /pyiceberg/scan      {"table": "ns.name", "snapshot_id"?: n|"n", "row_filter"?: "...",
                             "selected_fields"?: ["a","b"], "limit"?: n} -> result
  POST /pyiceberg/plan      {"table", "snapshot_id"?, "row_filter"?} -> {"files": [{"file_path",
                             "record_count", "delete_files"}]}: the data files PyIceberg's planner
                             keeps after pruning by partition summaries and column bounds
  POST /pyiceberg/table     {"table": "ns.name"} -> {"identifier","location","format_version",
                             "schema","current_snapshot","snapshots","partition_spec","sort_order",
                             "properties","metadata_location","metadata"}
  Errors: HTTP 400 (bad request) or 500 with {"error","type","traceback"}.

A result is {"columns": [{"name", "type"}], "rows": [[v, ...], ...]}. Spark column types are
Spark's simpleString() ("bigint", "decimal(10,2)", "struct<a:int>"); PyIceberg types are Arrow's
str() ("int64", "timestamp[us, tz=UTC]").

Value encoding (lossless, driven by the column type, never guessed from the Python value):
  null                     -> null
  boolean                  -> true / false
  8/16/32-bit integers     -> JSON number
  64-bit integers (long)   -> JSON string of the decimal value, ALWAYS (exact beyond 2^53)
  float / double           -> JSON number (float32 widened exactly to double);
                              NaN / Infinity / -Infinity -> the strings "NaN", "Infinity", "-Infinity"
  decimal                  -> JSON string, plain notation with the column's scale ("1.50", "-0.001")
  string                   -> JSON string
  binary / fixed           -> {"$bytes": "<base64>"}
  uuid (Arrow extension or 16-byte fixed tagged uuid) -> canonical string "xxxxxxxx-xxxx-..."
  date                     -> "YYYY-MM-DD"
  time                     -> "HH:MM:SS.ffffff"
  timestamp with zone      -> "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC; 9 fraction digits for nanoseconds)
  timestamp without zone   -> "YYYY-MM-DDTHH:MM:SS.ffffff"  (no zone suffix)
  struct                   -> JSON object in schema field order
  list / array             -> JSON array
  map                      -> JSON array of [key, value] pairs (keys need not be strings)
In /pyiceberg/table, snapshot ids (and any other integer beyond 2^53) are strings for the same reason.
"""

import base64
import datetime as dt
import decimal
import json
import math
import os
import re
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Every clock in this process is UTC: pyspark converts timestamps to naive *local* datetimes.
os.environ["TZ"] = "UTC"
time.tzset()

HOST = os.environ.get("FLOE_ORACLE_HOST", "127.0.0.1")
PORT = int(os.environ.get("FLOE_ORACLE_PORT", "18900"))
CATALOG_URI = os.environ.get("FLOE_CATALOG_URI", "http://127.0.0.1:18181")
WAREHOUSE = os.environ.get("FLOE_WAREHOUSE", "s3://warehouse/")
S3_ENDPOINT = os.environ.get("FLOE_S3_ENDPOINT", "http://127.0.0.1:19000")
S3_ACCESS_KEY = os.environ.get("FLOE_S3_ACCESS_KEY", "floe")
S3_SECRET_KEY = os.environ.get("FLOE_S3_SECRET_KEY", "floe-secret-key")
S3_REGION = os.environ.get("FLOE_S3_REGION", "us-east-1")
SPARK_JARS = os.environ.get("FLOE_SPARK_JARS", "")
SPARK_DRIVER_MEMORY = os.environ.get("FLOE_SPARK_DRIVER_MEMORY", "2g")
WORK_DIR = os.environ.get("FLOE_ORACLE_WORK_DIR", os.getcwd())

MAX_SAFE = 2**53 - 1
EPOCH_DATE = dt.date(1970, 1, 1)

state = {"spark": None, "catalog": None, "error": None, "versions": {}}
spark_lock = threading.Lock()
catalog_lock = threading.Lock()


# ---------------------------------------------------------------------------------------------
# Shared formatting helpers


def enc_float(v):
    if v is None:
        return None
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def enc_decimal(v, scale=None):
    if v is None:
        return None
    if scale is not None:
        # Spark hands some decimals over with a larger exponent than the column's scale
        # (-1E-10 in a decimal(38,10) column arrives as Decimal("-1.00E-10")): same value, but the
        # promised encoding is "plain notation with the column's scale".
        with decimal.localcontext() as ctx:
            ctx.prec = 100
            v = v.quantize(decimal.Decimal(1).scaleb(-scale))
    return format(v, "f")


def enc_bytes(v):
    return None if v is None else {"$bytes": base64.b64encode(bytes(v)).decode("ascii")}


def enc_epoch(value, unit, zoned):
    """Formats an integer count of `unit` since the epoch without going through float or tz maths."""
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
    digits = {"s": 0, "ms": 3, "us": 6, "ns": 9}[unit]
    seconds, frac = divmod(value, per_second)
    days, secs = divmod(seconds, 86_400)
    day = EPOCH_DATE + dt.timedelta(days=days)
    hh, rem = divmod(secs, 3_600)
    mm, ss = divmod(rem, 60)
    # Always at least microseconds, so Spark and PyIceberg results compare as strings.
    digits = max(digits, 6)
    frac_str = str(frac * (10 ** digits // per_second)).rjust(digits, "0")
    text = f"{day.isoformat()}T{hh:02d}:{mm:02d}:{ss:02d}.{frac_str}"
    return text + "Z" if zoned else text


def enc_datetime(v, zoned):
    if v is None:
        return None
    if v.tzinfo is not None:
        v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
    micros = (v - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    return enc_epoch(micros, "us", zoned)


# ---------------------------------------------------------------------------------------------
# Spark


def spark_encoder(data_type):
    """Returns a function that encodes a collected Python value of this Spark type."""
    from pyspark.sql import types as T

    if isinstance(data_type, T.LongType):
        return lambda v: None if v is None else str(v)
    if isinstance(data_type, (T.FloatType, T.DoubleType)):
        return enc_float
    if isinstance(data_type, T.DecimalType):
        return lambda v, scale=data_type.scale: enc_decimal(v, scale)
    if isinstance(data_type, T.BinaryType):
        return enc_bytes
    if isinstance(data_type, T.TimestampNTZType):
        return lambda v: enc_datetime(v, zoned=False)
    if isinstance(data_type, T.TimestampType):
        return lambda v: enc_datetime(v, zoned=True)
    if isinstance(data_type, T.DateType):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(data_type, T.ArrayType):
        inner = spark_encoder(data_type.elementType)
        return lambda v: None if v is None else [inner(x) for x in v]
    if isinstance(data_type, T.MapType):
        ek, ev = spark_encoder(data_type.keyType), spark_encoder(data_type.valueType)
        return lambda v: None if v is None else [[ek(k), ev(x)] for k, x in v.items()]
    if isinstance(data_type, T.StructType):
        fields = [(f.name, spark_encoder(f.dataType)) for f in data_type.fields]
        return lambda v: None if v is None else {name: enc(v[i]) for i, (name, enc) in enumerate(fields)}
    return lambda v: v


SPARK_DEFAULTS = os.environ.get(
    "FLOE_SPARK_DEFAULTS",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "catalog", "spark", "spark-defaults.conf"),
)


def read_spark_defaults(path):
    """Parses a spark-defaults.conf ("key value" or "key=value" lines, # comments)."""
    conf = {}
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            match = re.match(r"^(\S+?)(?:\s*=\s*|\s+)(.*)$", line)
            if match:
                conf[match.group(1)] = match.group(2).strip()
    return conf


def spark_conf():
    """catalog/spark/spark-defaults.conf (shared with docker-compose) with the local stack's addresses."""
    conf = read_spark_defaults(SPARK_DEFAULTS)
    # Jars come from Maven's cache through spark.jars; Ivy (spark.jars.packages) would try to download.
    conf.pop("spark.jars.packages", None)
    c = "spark.sql.catalog.floe"
    conf.update(
        {
            "spark.master": "local[2]",
            "spark.app.name": "floe-oracle",
            "spark.driver.memory": SPARK_DRIVER_MEMORY,
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.session.timeZone": "UTC",
            # No Hive/Derby metastore: the only catalog that matters is the REST one.
            "spark.sql.catalogImplementation": "in-memory",
            "spark.sql.warehouse.dir": os.path.join(WORK_DIR, "spark-warehouse"),
            "spark.local.dir": os.path.join(WORK_DIR, "spark-tmp"),
            "spark.jars": SPARK_JARS,
            f"{c}.uri": CATALOG_URI,
            f"{c}.warehouse": WAREHOUSE,
            f"{c}.s3.endpoint": S3_ENDPOINT,
            f"{c}.s3.access-key-id": S3_ACCESS_KEY,
            f"{c}.s3.secret-access-key": S3_SECRET_KEY,
            f"{c}.client.region": S3_REGION,
        }
    )
    conf.setdefault("spark.sql.shuffle.partitions", "2")
    return conf


def start_spark():
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    for key, value in spark_conf().items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    spark.sql("SELECT 1").collect()  # warm up the planner before reporting healthy
    return spark


def spark_sql(body):
    sql = body.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise BadRequest('"sql" must be a non-empty string')
    with spark_lock:
        df = state["spark"].sql(sql)
        schema = df.schema
        rows = df.collect() if schema.fields else []
    encoders = [spark_encoder(f.dataType) for f in schema.fields]
    return {
        "columns": [{"name": f.name, "type": f.dataType.simpleString()} for f in schema.fields],
        "rows": [[enc(row[i]) for i, enc in enumerate(encoders)] for row in rows],
    }


def plan_nodes(node):
    """Every physical plan node, looking through adaptive execution and query stages."""
    name = node.getClass().getSimpleName()
    if name == "AdaptiveSparkPlanExec":
        yield from plan_nodes(node.executedPlan())
        return
    if name.endswith("QueryStageExec"):
        yield from plan_nodes(node.plan())
        return
    yield node
    children = node.children()
    for i in range(children.size()):
        yield from plan_nodes(children.apply(i))


def spark_scan(body):
    """Runs a query and reports the SQL metrics of its scans: Spark's DataFrame API, not SQL, is
    the only way to see how many files Iceberg's planner kept or skipped."""
    sql = body.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise BadRequest('"sql" must be a non-empty string')
    with spark_lock:
        df = state["spark"].sql(sql)
        schema = df.schema
        rows = df.collect()
        scans = []
        for node in plan_nodes(df._jdf.queryExecution().executedPlan()):
            if "Scan" not in node.getClass().getSimpleName():
                continue
            metrics = {}
            it = node.metrics().iterator()
            while it.hasNext():
                entry = it.next()
                metrics[entry._1()] = entry._2().value()
            scans.append({"node": node.simpleString(500), "metrics": metrics})
    encoders = [spark_encoder(f.dataType) for f in schema.fields]
    return {
        "columns": [{"name": f.name, "type": f.dataType.simpleString()} for f in schema.fields],
        "rows": [[enc(row[i]) for i, enc in enumerate(encoders)] for row in rows],
        "scans": scans,
    }


# ---------------------------------------------------------------------------------------------
# PyIceberg / Arrow


def without_temporal(t):
    """The same Arrow type with every timestamp/time replaced by int64, so values stay integers."""
    import pyarrow as pa

    if pa.types.is_timestamp(t) or pa.types.is_time64(t) or pa.types.is_time32(t) or pa.types.is_duration(t):
        return pa.int64()
    if pa.types.is_struct(t):
        return pa.struct([f.with_type(without_temporal(f.type)) for f in t])
    if pa.types.is_map(t):
        return pa.map_(without_temporal(t.key_type), without_temporal(t.item_type))
    if pa.types.is_large_list(t):
        return pa.large_list(t.value_field.with_type(without_temporal(t.value_type)))
    if pa.types.is_list(t):
        return pa.list_(t.value_field.with_type(without_temporal(t.value_type)))
    return t


def arrow_encoder(t):
    """Encoder for Python values of `without_temporal(t)`, interpreted with the original type `t`."""
    import pyarrow as pa

    # BaseExtensionType: pyarrow's canonical extension types (pa.uuid()) are not ExtensionType subclasses.
    if isinstance(t, pa.BaseExtensionType):
        if getattr(t, "extension_name", "") == "arrow.uuid":
            return lambda v: None if v is None else _uuid(v)
        return arrow_encoder(t.storage_type)
    if pa.types.is_int64(t) or pa.types.is_uint64(t) or pa.types.is_uint32(t):
        return lambda v: None if v is None else str(v)
    if pa.types.is_floating(t):
        return enc_float
    if pa.types.is_decimal(t):
        return lambda v, scale=t.scale: enc_decimal(v, scale)
    if pa.types.is_fixed_size_binary(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return enc_bytes
    if pa.types.is_timestamp(t):
        zoned = t.tz is not None
        return lambda v: None if v is None else enc_epoch(v, t.unit, zoned)
    if pa.types.is_time(t):
        def enc_time(v, unit=t.unit):
            if v is None:
                return None
            return enc_epoch(v, unit, False).split("T", 1)[1]
        return enc_time
    if pa.types.is_date(t):
        return lambda v: None if v is None else v.isoformat()
    if pa.types.is_struct(t):
        fields = [(f.name, arrow_encoder(f.type)) for f in t]
        return lambda v: None if v is None else {name: enc(v.get(name)) for name, enc in fields}
    if pa.types.is_map(t):
        ek, ev = arrow_encoder(t.key_type), arrow_encoder(t.item_type)
        return lambda v: None if v is None else [[ek(k), ev(x)] for k, x in v]
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        inner = arrow_encoder(t.value_type)
        return lambda v: None if v is None else [inner(x) for x in v]
    return lambda v: v


def _uuid(v):
    import uuid

    return str(v) if isinstance(v, uuid.UUID) else str(uuid.UUID(bytes=bytes(v)))


def catalog():
    with catalog_lock:
        if state["catalog"] is None:
            from pyiceberg.catalog import load_catalog

            state["catalog"] = load_catalog(
                "floe",
                **{
                    "type": "rest",
                    "uri": CATALOG_URI,
                    "warehouse": WAREHOUSE,
                    "s3.endpoint": S3_ENDPOINT,
                    "s3.access-key-id": S3_ACCESS_KEY,
                    "s3.secret-access-key": S3_SECRET_KEY,
                    "s3.region": S3_REGION,
                    "s3.path-style-access": "true",
                },
            )
        return state["catalog"]


def table_name(body):
    name = body.get("table")
    if not isinstance(name, str) or "." not in name:
        raise BadRequest('"table" must be "namespace.name"')
    return name


def arrow_result(table):
    import pyarrow as pa

    plain = table.cast(pa.schema([f.with_type(without_temporal(f.type)) for f in table.schema]))
    encoders = [arrow_encoder(f.type) for f in table.schema]
    columns = [plain.column(i).to_pylist() for i in range(plain.num_columns)]
    return {
        "columns": [{"name": f.name, "type": str(f.type)} for f in table.schema],
        "rows": [[encoders[c](columns[c][r]) for c in range(len(columns))] for r in range(plain.num_rows)],
    }


def pyiceberg_scan(body):
    table = catalog().load_table(table_name(body))
    kwargs = {}
    if body.get("snapshot_id") is not None:
        kwargs["snapshot_id"] = int(body["snapshot_id"])
    if body.get("row_filter"):
        kwargs["row_filter"] = body["row_filter"]
    if body.get("selected_fields"):
        kwargs["selected_fields"] = tuple(body["selected_fields"])
    if body.get("limit") is not None:
        kwargs["limit"] = int(body["limit"])
    return arrow_result(table.scan(**kwargs).to_arrow())


def pyiceberg_plan(body):
    table = catalog().load_table(table_name(body))
    kwargs = {}
    if body.get("snapshot_id") is not None:
        kwargs["snapshot_id"] = int(body["snapshot_id"])
    if body.get("row_filter"):
        kwargs["row_filter"] = body["row_filter"]
    tasks = table.scan(**kwargs).plan_files()
    return {
        "files": [
            {"file_path": t.file.file_path, "record_count": t.file.record_count, "delete_files": len(t.delete_files)}
            for t in tasks
        ]
    }


ID_KEYS = {"snapshot-id", "parent-snapshot-id", "current-snapshot-id", "snapshot_id", "parent_snapshot_id"}


def exact_ints(value, key=None):
    """JSON-safe copy: snapshot ids and any integer beyond 2^53 become strings."""
    if isinstance(value, dict):
        return {k: exact_ints(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [exact_ints(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and (key in ID_KEYS or abs(value) > MAX_SAFE):
        return str(value)
    return value


def pyiceberg_table(body):
    table = catalog().load_table(table_name(body))
    meta = json.loads(table.metadata.model_dump_json(by_alias=True, exclude_none=True))
    snapshot = table.current_snapshot()
    result = {
        "identifier": list(table.name()),
        "location": table.location(),
        "metadata_location": table.metadata_location,
        "format_version": table.format_version,
        "schema": json.loads(table.schema().model_dump_json(by_alias=True, exclude_none=True)),
        "current_snapshot": None
        if snapshot is None
        else json.loads(snapshot.model_dump_json(by_alias=True, exclude_none=True)),
        "snapshots": meta.get("snapshots", []),
        "partition_spec": json.loads(table.spec().model_dump_json(by_alias=True, exclude_none=True)),
        "sort_order": json.loads(table.sort_order().model_dump_json(by_alias=True, exclude_none=True)),
        "properties": table.properties,
        "metadata": meta,
    }
    return exact_ints(result)


# ---------------------------------------------------------------------------------------------
# HTTP


class BadRequest(Exception):
    pass


ROUTES = {
    "/spark/sql": spark_sql,
    "/spark/scan": spark_scan,
    "/pyiceberg/scan": pyiceberg_scan,
    "/pyiceberg/plan": pyiceberg_plan,
    "/pyiceberg/table": pyiceberg_table,
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send_json(self, status, payload):
        data = json.dumps(payload, allow_nan=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path != "/health":
            return self.send_json(404, {"error": f"no route GET {self.path}"})
        if state["error"]:
            return self.send_json(500, {"status": "error", "error": state["error"]})
        status = "ok" if state["spark"] is not None else "starting"
        self.send_json(200 if status == "ok" else 503, {"status": status, **state["versions"]})

    def do_POST(self):
        route = ROUTES.get(self.path)
        if route is None:
            return self.send_json(404, {"error": f"no route POST {self.path}"})
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(body, dict):
                raise BadRequest("body must be a JSON object")
            if state["spark"] is None:
                return self.send_json(503, {"error": "oracle still starting", "status": "starting"})
            self.send_json(200, route(body))
        except BadRequest as e:
            self.send_json(400, {"error": str(e), "type": "BadRequest"})
        except Exception as e:  # the caller wants the whole story, Java stack traces included
            self.send_json(500, {"error": str(e), "type": type(e).__name__, "traceback": traceback.format_exc()})

    def log_message(self, fmt, *args):
        if self.path == "/health":
            return  # polled several times a second during start-up; not worth a log line
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))


def boot():
    try:
        import pyspark

        state["versions"] = {"spark": pyspark.__version__}
        # Two readers run this file (scripts/stack/readers.ts): the always-on oracle (Spark 4.1,
        # PyIceberg, in a venv of its own) and the on-demand older reader (Spark 3.5, the stack's
        # Python). A Python without PyIceberg would answer /pyiceberg/* with the ImportError.
        for module in ("pyiceberg", "pyarrow"):
            try:
                state["versions"][module] = __import__(module).__version__
            except ImportError:
                pass
        t0 = time.time()
        spark = start_spark()
        state["spark"] = spark
        print(f"SparkSession ready in {time.time() - t0:.1f}s", flush=True)
        # The first query through the REST catalog loads Iceberg's classes (~10 s on 2 cores). Pay
        # that now, in the background, rather than inside the first test's timeout.
        with spark_lock:
            try:
                spark.sql("SHOW NAMESPACES IN floe").collect()
                print(f"Iceberg catalog warmed up after {time.time() - t0:.1f}s", flush=True)
            except Exception as e:  # the catalog may still be starting; the first query will retry
                print(f"catalog warm-up skipped: {str(e).splitlines()[0]}", flush=True)
    except Exception:
        state["error"] = traceback.format_exc()
        print(state["error"], file=sys.stderr, flush=True)


def main():
    os.makedirs(WORK_DIR, exist_ok=True)
    os.chdir(WORK_DIR)
    server = ThreadingHTTPServer((HOST, PORT), Handler)
    server.daemon_threads = True
    threading.Thread(target=boot, daemon=True).start()
    print(f"floe oracle listening on http://{HOST}:{PORT}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
