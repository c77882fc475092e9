# Sourced by ./ferry, scripts/test and .ci/run: export a JAVA_HOME whose java is 21 or newer.
# Order: $JAVA_HOME if new enough, then `java` on the PATH, then the newest JDK under /usr/lib/jvm
# (Debian machines often have 17 as the default and a newer JDK beside it).

ferry_java_major() { # prints the feature version of the java binary $1, or 0
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1 || echo 0
}

ferry_find_java_home() {
  local need=21 cand major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major=$(ferry_java_major "$JAVA_HOME/bin/java")
    if [ "${major:-0}" -ge "$need" ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  if command -v java >/dev/null 2>&1; then
    cand=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    major=$(ferry_java_major "$cand/bin/java")
    if [ "${major:-0}" -ge "$need" ]; then echo "$cand"; return 0; fi
  fi
  for cand in /usr/lib/jvm/* /opt/java/* /opt/*jdk* "$HOME"/.sdkman/candidates/java/*; do
    [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    major=$(ferry_java_major "$cand/bin/java")
    if [ "${major:-0}" -ge "$need" ] && [ "$major" -gt "$best_major" ]; then best=$cand; best_major=$major; fi
  done
  if [ -n "$best" ]; then echo "$best"; return 0; fi
  echo "ferry: no JDK 21 or newer found (looked at \$JAVA_HOME, java on the PATH and /usr/lib/jvm); install one and set JAVA_HOME" >&2
  return 1
}

JAVA_HOME=$(ferry_find_java_home) || exit 1
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
