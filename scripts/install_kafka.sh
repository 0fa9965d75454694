#!/usr/bin/env bash
# Apache Kafka for the local runner: Java 17 and Maven from Debian (when absent), Debian's
# kcat (the ops teams' first tool; the tests run it), and Kafka's jars from Maven Central,
# gathered by deploy/kafka/pom.xml into ~/.cache/cpf/kafka-<version>/ ($CPF_KAFKA_LIB_DIR
# overrides the folder, $CPF_CACHE_DIR its parent).
#
# Idempotent: when the jars are there it does nothing. The jars are downloaded into a
# temporary folder that is renamed into place only when complete, so an interrupted or
# failed download (Maven Central unreachable) leaves nothing half-installed behind.
# MVN_EXTRA_ARGS is added to the mvn command line (e.g. "-s settings.xml" for a mirror).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[install_kafka] %s\n' "$*" >&2; }

# shellcheck source=scripts/apt.sh
source scripts/apt.sh

POM=deploy/kafka/pom.xml
version=$(sed -n 's:.*<kafka\.version>\(.*\)</kafka\.version>.*:\1:p' "$POM" | head -n1)
if [ -z "$version" ]; then
  say "no <kafka.version> in $POM"
  exit 1
fi
cache="${CPF_CACHE_DIR:-$HOME/.cache/cpf}"
dest="${CPF_KAFKA_LIB_DIR:-$cache/kafka-$version}"

# 1. Debian packages: java (17), mvn, kcat.
packages=()
command -v java >/dev/null 2>&1 || packages+=(openjdk-17-jre-headless)
command -v kcat >/dev/null 2>&1 || packages+=(kcat)
if ! compgen -G "$dest/kafka_2.13-*.jar" >/dev/null; then
  command -v mvn >/dev/null 2>&1 || packages+=(maven)
fi
if [ ${#packages[@]} -gt 0 ]; then
  apt_install "${packages[@]}"
fi

# 2. The jars.
if compgen -G "$dest/kafka_2.13-$version.jar" >/dev/null; then
  exit 0
fi
mkdir -p "$(dirname "$dest")"
tmp=$(mktemp -d "$(dirname "$dest")/.kafka-$version.partial.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
say "fetching Apache Kafka $version (org.apache.kafka:kafka_2.13) and log4j from Maven Central into $dest"
started=$(date +%s)
# shellcheck disable=SC2086  # MVN_EXTRA_ARGS is a list of words
if ! mvn -B -q -f "$POM" ${MVN_EXTRA_ARGS:-} -Dkafka.lib.dir="$tmp/libs" \
    dependency:copy-dependencies >"$tmp/mvn.log" 2>&1; then
  say "could not fetch org.apache.kafka:kafka_2.13:$version and its dependencies from Maven"
  say "Central (https://repo.maven.apache.org/maven2): is it reachable from here? Maven said:"
  sed 's/\x1b\[[0-9;]*m//g' "$tmp/mvn.log" | grep -E '^\[ERROR\] .' \
    | grep -vE '^\[ERROR\] (To see the full|Re-run Maven|For more information|\[Help)' | cut -c1-300 | head -n 6 >&2 || true
  say "nothing was installed; run \`make bootstrap\` again once Maven Central answers."
  exit 1
fi
if ! compgen -G "$tmp/libs/kafka_2.13-$version.jar" >/dev/null \
    || ! compgen -G "$tmp/libs/log4j-slf4j-impl-*.jar" >/dev/null; then
  say "Maven finished but kafka_2.13-$version.jar or log4j-slf4j-impl is missing from the download"
  exit 1
fi
rm -rf "$dest"  # a folder without the jar (see the check above): not ours to keep
mv -T "$tmp/libs" "$dest"  # one rename: the folder appears complete or not at all
say "Apache Kafka $version: $(du -sh "$dest" | cut -f1) of jars in $(( $(date +%s) - started ))s"
