#!/usr/bin/env bash
# Runs Apache Iceberg's REST Compatibility Kit (RCK) against floe's catalog.
#
# The RCK is Iceberg's JUnit suites RESTCompatibilityKitCatalogTests and ...ViewCatalogTests, on Maven Central in
# iceberg-open-api's `tests` jar (its helpers in the `test-fixtures` jar). Maven resolves it and
# its classpath once into ~/.cache/floe/rck/<version>/lib; the JUnit console launcher runs it.
#
# Usage: scripts/rck.sh                 start a floe catalog on a temporary local warehouse
#        CATALOG_URI=http://host:port scripts/rck.sh   run against a catalog that is already up
# Env:   RCK_REPORTS=<dir>  JUnit XML reports (default: a temp dir, path printed at the end)
#        RCK_ICEBERG_VERSION (default 1.10.1), CATALOG_* (passed to the RCK's client, see RCKUtils)
#        RCK_WAREHOUSE=s3://bucket/prefix  serve that warehouse instead of a local directory; the
#          server takes AWS_* from the environment (AWS_ENDPOINT_URL_S3 for MinIO) and the RCK's
#          client CATALOG_S3_ENDPOINT, CATALOG_S3_ACCESS__KEY__ID, ... (see docs/catalog.md)
#        RCK_STORE=postgres://user:pw@host/db  the catalog's pointer store (default: a SQLite file)
# Exit status is the launcher's: 0 when every selected test passed.
set -euo pipefail

ICEBERG_VERSION="${RCK_ICEBERG_VERSION:-1.10.1}"
JUNIT_PLATFORM=1.12.2
JUNIT_JUPITER=5.12.2
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# Bump the suffix when the pom below changes, so a stale classpath is never reused.
CACHE="${HOME}/.cache/floe/rck/${ICEBERG_VERSION}-2"
LIB="${CACHE}/lib"

# Tests the RCK runs that floe's catalog does not pass, by design; each is listed with its reason
# in docs/catalog.md. Passed to the launcher as --exclude-methodname patterns.
# Patterns match the fully qualified method name (class#method).
EXCLUDES=(
  '.*#testTableNameWithSlash.*'   # floe refuses "/" in names: they become path segments of locations
  '.*#testNamespaceWithSlash.*'   # same
)

fetch_classpath() {
  [[ -f "${LIB}/.complete" ]] && return 0
  mkdir -p "${CACHE}"
  # A throw-away pom: its only job is to let Maven resolve the RCK's runtime classpath. Maven
  # ignores Gradle's test-fixture metadata, so the RCK's own test dependencies are listed here.
  cat > "${CACHE}/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.floe</groupId>
  <artifactId>rck-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.iceberg</groupId><artifactId>iceberg-open-api</artifactId><version>${ICEBERG_VERSION}</version><classifier>tests</classifier></dependency>
    <dependency><groupId>org.apache.iceberg</groupId><artifactId>iceberg-open-api</artifactId><version>${ICEBERG_VERSION}</version><classifier>test-fixtures</classifier></dependency>
    <dependency><groupId>org.apache.iceberg</groupId><artifactId>iceberg-core</artifactId><version>${ICEBERG_VERSION}</version></dependency>
    <dependency><groupId>org.apache.iceberg</groupId><artifactId>iceberg-core</artifactId><version>${ICEBERG_VERSION}</version><classifier>tests</classifier></dependency>
    <dependency><groupId>org.apache.iceberg</groupId><artifactId>iceberg-api</artifactId><version>${ICEBERG_VERSION}</version><classifier>tests</classifier></dependency>
    <!-- S3FileIO, for runs against an s3:// warehouse (the client writes manifests itself). -->
    <dependency><groupId>org.apache.iceberg</groupId><artifactId>iceberg-aws</artifactId><version>${ICEBERG_VERSION}</version></dependency>
    <dependency><groupId>org.apache.iceberg</groupId><artifactId>iceberg-aws-bundle</artifactId><version>${ICEBERG_VERSION}</version></dependency>
    <dependency><groupId>org.apache.hadoop</groupId><artifactId>hadoop-client-api</artifactId><version>3.4.1</version></dependency>
    <dependency><groupId>org.apache.hadoop</groupId><artifactId>hadoop-client-runtime</artifactId><version>3.4.1</version></dependency>
    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter-params</artifactId><version>${JUNIT_JUPITER}</version></dependency>
    <dependency><groupId>org.assertj</groupId><artifactId>assertj-core</artifactId><version>3.27.3</version></dependency>
    <dependency><groupId>org.awaitility</groupId><artifactId>awaitility</artifactId><version>4.2.2</version></dependency>
    <dependency><groupId>org.mockito</groupId><artifactId>mockito-core</artifactId><version>5.14.2</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>2.0.16</version></dependency>
    <dependency><groupId>org.junit.platform</groupId><artifactId>junit-platform-console-standalone</artifactId><version>${JUNIT_PLATFORM}</version></dependency>
  </dependencies>
</project>
EOF
  rm -rf "${LIB}.tmp"
  mvn -B -q -f "${CACHE}/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    "-DoutputDirectory=${LIB}.tmp" >&2
  # Rename last, so an interrupted fetch never looks complete.
  touch "${LIB}.tmp/.complete"
  rm -rf "${LIB}"
  mv "${LIB}.tmp" "${LIB}"
}

fetch_classpath

SERVER_PID=""
WORK=""
cleanup() {
  if [[ -n "${SERVER_PID}" ]]; then kill "${SERVER_PID}" 2>/dev/null || true; wait "${SERVER_PID}" 2>/dev/null || true; fi
  if [[ -n "${WORK}" ]]; then rm -rf "${WORK}"; fi
}
trap cleanup EXIT

if [[ -z "${CATALOG_URI:-}" ]]; then
  WORK="$(mktemp -d -t floe-rck.XXXXXX)"
  PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  "${ROOT}/node_modules/.bin/tsx" "${ROOT}/src/cli/main.ts" catalog serve \
    --allow-location /tmp \
    --warehouse "${RCK_WAREHOUSE:-${WORK}/warehouse}" --store "${RCK_STORE:-${WORK}/catalog.db}" --port "${PORT}" > "${WORK}/catalog.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:${PORT}/v1/config" > /dev/null && break
    kill -0 "${SERVER_PID}" 2>/dev/null || { cat "${WORK}/catalog.log" >&2; exit 1; }
    sleep 0.2
  done
  export CATALOG_URI="http://127.0.0.1:${PORT}"
fi
export CATALOG_WAREHOUSE="${CATALOG_WAREHOUSE:-rck_warehouse}"
REPORTS="${RCK_REPORTS:-$(mktemp -d -t floe-rck-reports.XXXXXX)}"

EXCLUDE_ARGS=()
for m in "${EXCLUDES[@]+"${EXCLUDES[@]}"}"; do EXCLUDE_ARGS+=(--exclude-methodname "${m}"); done

set +e
# rck.local=false: test the catalog at CATALOG_URI instead of starting Iceberg's own server.
# rck.requires-namespace-create: floe answers 404 for a table in a namespace nobody created, as the
# spec says, so the suite must create namespaces first (the knob exists for exactly this).
# rck.supports-names-with-dot: levels travel %1F-separated, so dots in names are ordinary.
java -Drck.requires-namespace-create=true -Drck.supports-names-with-dot=true -cp "${LIB}/*" org.junit.platform.console.ConsoleLauncher execute \
  --select-class org.apache.iceberg.rest.RESTCompatibilityKitCatalogTests \
  --select-class org.apache.iceberg.rest.RESTCompatibilityKitViewCatalogTests \
  --config rck.local=false \
  "${EXCLUDE_ARGS[@]+"${EXCLUDE_ARGS[@]}"}" \
  --details=summary --disable-banner --disable-ansi-colors \
  --reports-dir "${REPORTS}"
STATUS=$?
set -e
echo "RCK reports: ${REPORTS}"
exit "${STATUS}"
