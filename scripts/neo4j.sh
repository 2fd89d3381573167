#!/usr/bin/env bash
# Run a real Neo4j 5.26 Community server for development and CI, without
# Docker: the server's jars come from Maven Central (scripts/neo4j/pom.xml) and
# we start org.neo4j.server.CommunityEntryPoint with java ourselves.
#
# Usage: scripts/neo4j.sh start|stop|restart|status|wipe|logs [-f]
#
# Environment overrides (defaults in brackets):
#   NEO4J_HOME           server home: lib/ conf/ data/ logs/ run/ plugins/
#                        [<repo>/.neo4j]; a relative path is taken from the repo root
#   NEO4J_BOLT_PORT      Bolt port on 127.0.0.1 [7687]
#   NEO4J_HTTP_PORT      HTTP port on 127.0.0.1 (Browser at /browser/) [7474]
#   NEO4J_HEAP           JVM heap, used for -Xms and -Xmx [1g]
#   NEO4J_PAGECACHE      server.memory.pagecache.size [256m]
#   NEO4J_TX_LOG_RETENTION  db.tx_log.rotation.retention_policy [2 days 2G]
#   NEO4J_PASSWORD       unset: auth disabled. Set (>= 8 chars): auth enabled and
#                        the password of user "neo4j" is set before the FIRST start
#                        of a fresh data dir (use `wipe` to change it later)
#   NEO4J_START_TIMEOUT  seconds to wait for the server to answer a query [180]
#   NEO4J_STOP_TIMEOUT   seconds to wait after SIGTERM before SIGKILL [60]
#   NEO4J_JAVA_OPTS      extra JVM flags, word-split (e.g. a debugger agent) []
#   JAVA                 java binary [$JAVA_HOME/bin/java, else java]
#   MVN                  maven binary [mvn]
#
# Exit codes: 0 ok; status: 1 process up but not answering, 3 not running.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POM="$REPO_ROOT/scripts/neo4j/pom.xml"

# Resolve NEO4J_HOME against the repo root so the script works from any cwd.
NEO4J_HOME="${NEO4J_HOME:-.neo4j}"
[[ "$NEO4J_HOME" = /* ]] || NEO4J_HOME="$REPO_ROOT/$NEO4J_HOME"
BOLT_PORT="${NEO4J_BOLT_PORT:-7687}"
HTTP_PORT="${NEO4J_HTTP_PORT:-7474}"
HEAP="${NEO4J_HEAP:-1g}"
PAGECACHE="${NEO4J_PAGECACHE:-256m}"
TX_LOG_RETENTION="${NEO4J_TX_LOG_RETENTION:-2 days 2G}"
START_TIMEOUT="${NEO4J_START_TIMEOUT:-180}"
STOP_TIMEOUT="${NEO4J_STOP_TIMEOUT:-60}"
if [[ -n "${JAVA:-}" ]]; then :
elif [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"
else JAVA=java; fi
MVN="${MVN:-mvn}"

LIB="$NEO4J_HOME/lib"
CONF_DIR="$NEO4J_HOME/conf"
DATA_DIR="$NEO4J_HOME/data"
LOG_DIR="$NEO4J_HOME/logs"
RUN_DIR="$NEO4J_HOME/run"
PID_FILE="$RUN_DIR/neo4j.pid"
MAIN_CLASS=org.neo4j.server.CommunityEntryPoint
# Always 127.0.0.1, never "localhost": localhost may resolve to ::1 first.
HTTP_URL="http://127.0.0.1:$HTTP_PORT"

log() { echo "neo4j.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# Pid of our server, or nothing. Checks the command line too, so a stale pid
# file whose pid was reused by another process is not mistaken for Neo4j.
server_pid() {
  [[ -f "$PID_FILE" ]] || return 0
  local pid; pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$MAIN_CLASS --home-dir=$NEO4J_HOME "; then
    echo "$pid"
  fi
}

# Readiness = a real Cypher query succeeds through the HTTP transaction
# endpoint. An open port is not enough: Bolt/HTTP listen before the default
# database is online. curl needs no Python driver, so it works everywhere.
# The reply is kept in LAST_REPLY so callers can tell "not up yet" from
# "up but refuses us".
LAST_REPLY=
answers_query() {
  local auth=()
  [[ -n "${NEO4J_PASSWORD:-}" ]] && auth=(-u "neo4j:$NEO4J_PASSWORD")
  LAST_REPLY="$(curl -s --max-time 5 "${auth[@]}" -H 'Content-Type: application/json' \
    -d '{"statements":[{"statement":"RETURN 1 AS ok"}]}' \
    "$HTTP_URL/db/neo4j/tx/commit" 2>/dev/null)" || return 1
  [[ "$LAST_REPLY" == *'"results":[{'* && "$LAST_REPLY" == *'"errors":[]'* ]]
}

# neo4j.log is appended across runs: remember where this run starts so a
# failure shows this run's lines only.
LOG_OFFSET=0
show_log_tails() {
  echo "----- $LOG_DIR/console.log" >&2
  tail -n 20 "$LOG_DIR/console.log" >&2 || true
  echo "----- $LOG_DIR/neo4j.log (this run)" >&2
  tail -c +$((LOG_OFFSET + 1)) "$LOG_DIR/neo4j.log" 2>/dev/null | tail -n 40 >&2 || true
}

# Collect the server jars into lib/ unless they match the current pom. The
# pom's hash is stored beside them, so editing the pom (e.g. a version bump)
# re-collects. Jars land in a temp dir first: an interrupted download never
# leaves a half-filled lib/ that looks complete.
ensure_lib() {
  local want; want="$(sha256sum "$POM" | cut -d' ' -f1)"
  if [[ -f "$LIB/.pom.sha256" && "$(cat "$LIB/.pom.sha256")" == "$want" ]]; then
    return 0
  fi
  command -v "$MVN" >/dev/null || die "maven ($MVN) not found; it is needed once to fetch the jars"
  log "collecting Neo4j jars into $LIB (first time downloads ~140 MB into ~/.m2) ..."
  local tmp="$NEO4J_HOME/lib.tmp"
  rm -rf "$tmp"; mkdir -p "$NEO4J_HOME"
  if ! "$MVN" -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" >"$LOG_DIR/mvn.log" 2>&1; then
    cat "$LOG_DIR/mvn.log" >&2
    die "maven failed to collect the jars (log: $LOG_DIR/mvn.log)"
  fi
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$LIB"; mv "$tmp" "$LIB"
}

# conf/neo4j.conf is generated on every start from the environment, so it is
# never stale; hand edits would be lost (use env vars or change this script).
write_conf() {
  local auth_enabled=false
  [[ -n "${NEO4J_PASSWORD:-}" ]] && auth_enabled=true
  mkdir -p "$CONF_DIR"
  cat >"$CONF_DIR/neo4j.conf" <<EOF
# Generated by scripts/neo4j.sh on every start: edits here are overwritten.
dbms.security.auth_enabled=$auth_enabled
# Loopback only; advertise 127.0.0.1 too, or neo4j:// routing tables would
# hand drivers "localhost", which may resolve to ::1 where nothing listens.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.listen_address=127.0.0.1:$BOLT_PORT
server.http.listen_address=127.0.0.1:$HTTP_PORT
server.https.enabled=false
server.memory.pagecache.size=$PAGECACHE
# Transaction logs are otherwise preallocated at 256 MB per database, i.e.
# ~0.5 GB of disk for an empty dev/test DBMS.
db.tx_log.preallocate=false
# The stock neo4j.conf's cap. Without a line here the server's own default
# applies, "2 days" with no size limit: reloading the bench's x16 graph a few
# times in a day kept 34 GB of logs. They are pruned at each checkpoint.
db.tx_log.rotation.retention_policy=$TX_LOG_RETENTION
# No network here, and no need to report usage from dev/CI.
dbms.usage_report.enabled=false
# Hosts the Browser may fetch :guide / :play / :style content from (hostnames,
# no ports): the defaults plus 127.0.0.1, where the chanjiao API serves its
# guide (docs/browser.md). 5.26 still spells it "whitelist"; the Browser reads it
# through dbms.clientConfig().
browser.remote_content_hostname_whitelist=guides.neo4j.com,localhost,127.0.0.1
# Bolt's netty threads otherwise idle 5 s twice on shutdown (after the data is
# checkpointed), making every stop take ~12 s. Internal setting of 5.26.
internal.dbms.bolt.netty_server_shutdown_quiet_period=0
EOF
}

# With auth on, a fresh DBMS would start with neo4j/neo4j and an expired
# password; setting it with the admin tool before the system database exists
# makes the server usable right away.
set_initial_password() {
  [[ -n "${NEO4J_PASSWORD:-}" ]] || return 0
  if [[ -d "$DATA_DIR/databases/system" ]]; then
    return 0   # only applies to a fresh DBMS; the existing password stays
  fi
  log "setting the initial password of user neo4j"
  NEO4J_HOME="$NEO4J_HOME" NEO4J_CONF="$CONF_DIR" \
    "$JAVA" -cp "$LIB/*" org.neo4j.cli.AdminTool dbms set-initial-password "$NEO4J_PASSWORD" \
    >"$LOG_DIR/admin.log" 2>&1 || { cat "$LOG_DIR/admin.log" >&2; die "set-initial-password failed"; }
}

wait_ready() {
  local pid="$1" t0="$SECONDS"
  while ! answers_query; do
    # Retrying cannot fix credentials: fail now instead of at the timeout.
    if [[ "$LAST_REPLY" == *Security.Unauthorized* ]]; then
      die "server (pid $pid, left running) refuses the credentials: $LAST_REPLY
  NEO4J_PASSWORD only takes effect on a fresh data dir: 'wipe', or use the original password"
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      # Exit code (when the server is our child): 1 web server error, 2 database
      # error, 3 memory settings exceed RAM.
      local rc=0; wait "$pid" 2>/dev/null || rc=$?
      show_log_tails
      die "Neo4j exited during start-up$( ((rc != 127)) && echo " with code $rc") (see $LOG_DIR)"
    fi
    if (( SECONDS - t0 >= START_TIMEOUT )); then
      show_log_tails
      die "Neo4j did not answer within ${START_TIMEOUT}s (still running, pid $pid; see $LOG_DIR)"
    fi
    sleep 1
  done
  log "ready after $((SECONDS - t0))s: bolt://127.0.0.1:$BOLT_PORT  $HTTP_URL/browser/ (pid $pid)"
}

cmd_start() {
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$DATA_DIR" "$NEO4J_HOME/plugins"
  # Serialise concurrent starts (e.g. two test runs) on one home dir.
  exec 9>"$RUN_DIR/start.lock"
  flock 9

  local pid; pid="$(server_pid)"
  if [[ -n "$pid" ]]; then
    if answers_query; then log "already running and answering (pid $pid)"; return 0; fi
    log "already running (pid $pid) but not answering yet; waiting"
    wait_ready "$pid"; return 0
  fi
  rm -f "$PID_FILE"
  # Something else on our port (another home, a Docker Neo4j, ...) would make
  # our server fail to bind, or worse, make tests talk to the wrong database.
  if curl -s --max-time 2 -o /dev/null "$HTTP_URL/"; then
    die "port $HTTP_PORT already answers but not our server ($NEO4J_HOME); stop it or set NEO4J_HTTP_PORT"
  fi
  command -v "$JAVA" >/dev/null || die "java ($JAVA) not found; Neo4j 5.26 needs Java 17 or 21"
  command -v curl >/dev/null || die "curl not found; it is used for the readiness check"

  ensure_lib
  write_conf
  set_initial_password

  # server.memory.heap.* and server.jvm.additional are only read by the
  # bin/neo4j launcher, which we do not use: heap and the stock 5.26 JVM flags
  # go on the command line. -XX:+AlwaysPreTouch from the stock list is left
  # out: it only slows start-up on a small dev heap.
  local jvm=(
    "-Xms$HEAP" "-Xmx$HEAP"
    -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow
    -XX:+UnlockExperimentalVMOptions -XX:+TrustFinalNonStaticFields -XX:+DisableExplicitGC
    -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true
    -Djdk.tls.ephemeralDHKeySize=2048 -Djdk.tls.rejectClientInitiatedRenegotiation=true
    -XX:FlightRecorderOptions=stackdepth=256 -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED
    -Dlog4j2.disable.jmx=true -Dlog4j.layout.jsonTemplate.maxStringLength=32768
    -Dfile.encoding=UTF-8
  )
  # shellcheck disable=SC2206  # word-splitting of extra flags is intended
  [[ -n "${NEO4J_JAVA_OPTS:-}" ]] && jvm+=($NEO4J_JAVA_OPTS)
  local cmd=("$JAVA" "${jvm[@]}" -cp "$LIB/*:$NEO4J_HOME/plugins/*"
    "$MAIN_CLASS" "--home-dir=$NEO4J_HOME" "--config-dir=$CONF_DIR")

  log "starting Neo4j (home $NEO4J_HOME)"
  LOG_OFFSET="$(stat -c %s "$LOG_DIR/neo4j.log" 2>/dev/null || echo 0)"
  echo "# $(date -u +%FT%TZ) ${cmd[*]}" >"$LOG_DIR/console.log"
  # setsid: own session, so a Ctrl-C in the shell that ran `start` does not
  # reach the server. nohup and setsid both exec, so $! is java's own pid.
  # The lock fd is closed for the server, or it would hold the lock forever.
  nohup setsid "${cmd[@]}" >>"$LOG_DIR/console.log" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  wait_ready "$pid"
}

cmd_stop() {
  local pid; pid="$(server_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"; log "not running"; return 0
  fi
  log "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true   # Neo4j shuts down cleanly on SIGTERM
  local t0="$SECONDS"
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - t0 >= STOP_TIMEOUT )); then
      log "still running after ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1; break
    fi
    sleep 0.5
  done
  rm -f "$PID_FILE"
  log "stopped after $((SECONDS - t0))s"
}

cmd_status() {
  local pid; pid="$(server_pid)"
  if [[ -z "$pid" ]]; then echo "not running"; return 3; fi
  if answers_query; then
    echo "running (pid $pid): bolt://127.0.0.1:$BOLT_PORT  $HTTP_URL/browser/"; return 0
  fi
  echo "process up (pid $pid) but not answering queries"; return 1
}

cmd_wipe() {
  cmd_stop
  rm -rf "$DATA_DIR"
  log "deleted $DATA_DIR"
}

cmd_logs() {
  local files=() f
  for f in "$LOG_DIR/neo4j.log" "$LOG_DIR/console.log"; do [[ -f "$f" ]] && files+=("$f"); done
  (( ${#files[@]} )) || die "no logs in $LOG_DIR"
  if [[ "${1:-}" == "-f" ]]; then exec tail -n 100 -F "${files[@]}"; fi
  tail -n 100 "${files[@]}"
}

case "${1:-}" in
  start)   cmd_start ;;
  stop)    cmd_stop ;;
  restart) cmd_stop; cmd_start ;;
  status)  cmd_status ;;
  wipe)    cmd_wipe ;;
  logs)    shift; cmd_logs "$@" ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2
     exit 2 ;;
esac
