#!/usr/bin/env bash
# Turns on TLS in the local PostgreSQL for the transport tests (SIG-1), idempotently:
#   - a test CA and a server certificate for 127.0.0.1 / localhost (openssl), plus a second CA
#     that signed nothing (the "wrong CA" case), in $MEDICONNECT_PG_TLS_DIR, outside the repo;
#   - ssl=on with that certificate (ALTER SYSTEM as superuser, then pg_reload_conf());
#   - a check that libpq itself connects with sslmode=verify-full against the CA.
# Non-TLS connections keep working: pg_hba `host` lines match TLS and plain TCP alike.
# The tests find the CA at $MEDICONNECT_PG_TLS_DIR/ca.pem (default below).
# Test material only: the CA key is deleted once the server certificate is signed.
set -euo pipefail

dir=${MEDICONNECT_PG_TLS_DIR:-/var/lib/postgresql/mediconnect-tls}
pg=(psql -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" -d "${PGDATABASE:-test}" -v ON_ERROR_STOP=1 -qAt)

valid() {
  [[ -s "$dir/ca.pem" && -s "$dir/other-ca.pem" && -s "$dir/server.crt" && -s "$dir/server.key" ]] &&
    openssl x509 -in "$dir/server.crt" -noout -checkend 604800 >/dev/null &&
    openssl verify -CAfile "$dir/ca.pem" "$dir/server.crt" >/dev/null 2>&1
}

if ! valid; then
  echo "pg-tls-setup: creating a test CA and server certificate in $dir"
  mkdir -p "$dir"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -days 3650 -subj "/CN=MediConnect test CA" \
    -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
  openssl req -x509 "${ec[@]}" -days 3650 -subj "/CN=MediConnect other test CA" \
    -keyout "$work/other-ca.key" -out "$work/other-ca.pem" 2>/dev/null
  openssl req -new "${ec[@]}" -subj "/CN=localhost" \
    -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
  printf '%s\n' \
    'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature' \
    'extendedKeyUsage=serverAuth' \
    'subjectAltName=IP:127.0.0.1,DNS:localhost' >"$work/server.ext"
  openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
    -CAcreateserial -days 825 -extfile "$work/server.ext" -out "$work/server.crt" 2>/dev/null
  install -m 0644 "$work/ca.pem" "$work/other-ca.pem" "$work/server.crt" "$dir/"
  install -m 0600 "$work/server.key" "$dir/"
fi
chown -R postgres:postgres "$dir"
chmod 0755 "$dir"
chmod 0600 "$dir/server.key"

current=$("${pg[@]}" -c "select current_setting('ssl') || ' ' || current_setting('ssl_cert_file') || ' ' || current_setting('ssl_key_file')")
if [[ "$current" != "on $dir/server.crt $dir/server.key" ]]; then
  echo "pg-tls-setup: turning on ssl in PostgreSQL"
  "${pg[@]}" -c "alter system set ssl_cert_file = '$dir/server.crt'" \
    -c "alter system set ssl_key_file = '$dir/server.key'" \
    -c "alter system set ssl = on" \
    -c "select pg_reload_conf()" >/dev/null
  for _ in $(seq 1 20); do
    [[ $("${pg[@]}" -c "show ssl") == on ]] && break
    sleep 0.5
  done
fi

# libpq checks the chain and the host name (IP SANs included) the way pg must.
ssl=$(psql "host=127.0.0.1 port=${PGPORT:-5432} user=${PGUSER:-postgres} dbname=${PGDATABASE:-test} sslmode=verify-full sslrootcert=$dir/ca.pem" \
  -qAtc "select ssl from pg_stat_ssl where pid = pg_backend_pid()")
if [[ "$ssl" != t ]]; then
  echo "pg-tls-setup: PostgreSQL did not accept a verify-full TLS connection" >&2
  exit 1
fi
echo "pg-tls-setup: PostgreSQL serves TLS; CA at $dir/ca.pem"
