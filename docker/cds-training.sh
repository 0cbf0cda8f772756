#!/bin/sh
# The image's AOT cache (docs/performance.md, "JDK 25's AOT cache"), or a class data sharing archive:
# starts the service once as the entry point does, with its start-up warm-up, waits until it is ready,
# stops it, and keeps what the JVM learnt in a file that the entry point maps at every start. Run at
# build time from the image's working directory; the JVM options must be the entry point's (a cache
# made with others is not used: the JVM then says so and starts without it).
#   docker/cds-training.sh ARCHIVE JAR [java options...]
# ARCHIVE ending in .aot: an AOT cache (JDK 25 or later; -XX:AOTCacheOutput, mapped with -XX:AOTCache):
# the classes loaded and linked and the profiles of the methods the run ran. Else a class data sharing
# archive of the classes loaded (-XX:ArchiveClassesAtExit, mapped with -XX:SharedArchiveFile; any JDK,
# bench/warmup.sh's @cds). JAVA names the java to run (default: java on PATH).
set -eu
archive=$1 jar=$2
shift 2
port=18999
data=$(mktemp -d)
case $archive in
  *.aot) archive_option=-XX:AOTCacheOutput="$archive" ;;
  *) archive_option=-XX:ArchiveClassesAtExit="$archive" ;;
esac
"${JAVA:-java}" "$archive_option" "$@" -jar "$jar" --server.port="$port" --server.address=127.0.0.1 \
  --modelapi.data-directory="$data" --modelapi.grpc.port=18998 --logging.level.root=WARN > "$data/training.log" 2>&1 &
pid=$!
deadline=$(( $(date +%s) + 300 ))
until [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$port/actuator/health/readiness")" = 200 ]; do
  if ! kill -0 "$pid" 2> /dev/null || [ "$(date +%s)" -gt "$deadline" ]; then
    echo "cds-training: the service did not become ready; its log:" >&2
    cat "$data/training.log" >&2
    kill "$pid" 2> /dev/null || true
    exit 1
  fi
  sleep 1
done
kill -TERM "$pid"
wait "$pid" || true
rm -rf "$data"
test -s "$archive" || { echo "cds-training: no archive written" >&2; exit 1; }
echo "cds-training: $(du -h "$archive" | cut -f1) archive of the classes loaded up to readiness"
