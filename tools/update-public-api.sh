#!/usr/bin/env bash
# Records the public API of every shipped package (src/*) in its PublicAPI.Unshipped.txt.
#
# Builds each package (warnings not as errors, so every project compiles and reports), reads the Public API
# analyzer's diagnostics and applies them:
#   RS0016 "Symbol 'X' is not part of the declared public API"          -> X is appended to PublicAPI.Unshipped.txt
#   RS0017 "Symbol 'X' is part of the declared API, but is either not public or could not be found"
#                                                                        -> X is dropped from PublicAPI.Unshipped.txt,
#                                                                           or recorded as *REMOVED*X if it had shipped
# Then sorts each Unshipped file (first line '#nullable enable'). Run it after adding, changing or removing a public
# type or member, review the diff, commit it. When a version ships, move the Unshipped lines to PublicAPI.Shipped.txt.
#
# Usage: tools/update-public-api.sh            (from anywhere in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Dependency order: a package is built after the ones it references (each build then uses --no-dependencies).
mapfile -t projects < <(ls src/*/*.csproj)
ordered=()
for name in Aria.CrmSync.Abstractions Aria.CrmSync Aria.CrmSync.Sqlite Aria.CrmSync.PostgreSql Aria.CrmSync.Testing Aria.CrmSync.Testing.Server; do
  [ -f "src/$name/$name.csproj" ] && ordered+=("src/$name/$name.csproj")
done
for p in "${projects[@]}"; do
  case " ${ordered[*]} " in *" $p "*) ;; *) ordered+=("$p") ;; esac
done

log=$(mktemp /tmp/public-api.XXXXXX)
trap 'rm -f "$log"' EXIT
first=1
for p in "${ordered[@]}"; do
  dir=$(dirname "$p")
  for f in PublicAPI.Shipped.txt PublicAPI.Unshipped.txt; do
    [ -f "$dir/$f" ] || printf '#nullable enable\n' > "$dir/$f"
  done
  deps=--no-dependencies
  [ "$first" = 1 ] && deps=
  first=0
  # Warnings must not stop the build; RS0016/RS0017 are what we want to read.
  dotnet build "$p" -c Release --no-incremental $deps -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= \
    -p:EnforceCodeStyleInBuild=false -clp:NoSummary >> "$log" 2>&1 || true
done

python3 - "$log" <<'PY'
import os, re, sys
added = re.compile(r"(?:warning|error) RS0016: Symbol '(.*)' is not part of the declared public API.*\[(.*\.csproj)\]")
removed = re.compile(r"(?:warning|error) RS0017: Symbol '(.*)' is part of the declared API, but is either not public or could not be found.*\[(.*\.csproj)\]")
adds, drops = {}, {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = added.search(line)
    if m:
        adds.setdefault(os.path.dirname(m.group(2)), set()).add(m.group(1))
        continue
    m = removed.search(line)
    if m:
        drops.setdefault(os.path.dirname(m.group(2)), set()).add(m.group(1))
for d in sorted(set(adds) | set(drops)):
    shipped_path, unshipped_path = os.path.join(d, "PublicAPI.Shipped.txt"), os.path.join(d, "PublicAPI.Unshipped.txt")
    shipped = {l.rstrip("\n") for l in open(shipped_path, encoding="utf-8")}
    lines = [l.rstrip("\n") for l in open(unshipped_path, encoding="utf-8")]
    body = {l for l in lines if l and not l.startswith("#")}
    gone = drops.get(d, set())
    body -= gone
    body |= {"*REMOVED*" + s for s in gone if s in shipped}
    body |= adds.get(d, set())
    with open(unshipped_path, "w", encoding="utf-8", newline="\n") as f:
        f.write("#nullable enable\n")
        for l in sorted(body, key=lambda s: (s.removeprefix("*REMOVED*"), s)):
            f.write(l + "\n")
    print(f"{os.path.relpath(unshipped_path)}: +{len(adds.get(d, ()))} -{len(gone)}")
if not adds and not drops:
    print("public API files are up to date")
PY
if grep -qE "error (CS|RS00(2[0-9]|3[0-9]|4[0-9]))" "$log"; then
  echo "the build reported errors other than RS0016/RS0017; see:" >&2
  grep -E "error (CS|RS00)" "$log" | grep -vE "RS001[67]" | sort -u | head -n 20 >&2
  exit 1
fi
