#!/usr/bin/env bash
# A partner conversation driven by the `tgrid-sim` command line: the tenant side uses plain
# HTTP (curl), the partner side the `tgrid-sim partner …` subcommands.
#
#   bash local/tgrid-sim/examples/partner-cli-demo.sh
#
# Needs curl and python3 (to read JSON). Starts its own simulator on $PORT (default 18650)
# and stops it on exit.
set -euo pipefail
cd "$(dirname "$0")/../../.."

cargo build -q -p gridlink-tgrid-sim --bin tgrid-sim
BIN="${CARGO_TARGET_DIR:-target}/debug/tgrid-sim"
PORT="${PORT:-18650}"
export TGRID_SIM_URL="http://127.0.0.1:${PORT}/"
WORK="$(mktemp -d)"

"$BIN" serve --addr "127.0.0.1:${PORT}" >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -fs "${TGRID_SIM_URL}__sim/stats" >/dev/null && break; sleep 0.1; done

field() { python3 -c 'import json,sys; v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v=v[int(k)] if k.isdigit() else v[k]
print(v)' "$1"; }
tenant() { # METHOD PATH [JSON] [IDEMPOTENCY-KEY]
  curl -fsS -X "$1" "${TGRID_SIM_URL}$2" -H "Authorization: Bearer $TOKEN" \
    ${3:+-H 'Content-Type: application/json' --data "$3"} ${4:+-H "Idempotency-Key: $4"}
}

TOKEN=$(curl -fsS "${TGRID_SIM_URL}tenants/buyerco/oauth2/token" \
  -d grant_type=client_credentials -d client_id=gridlink-local -d client_secret=local-test-secret | field access_token)

echo "== BuyerCo opens a PO-exception thread with ACME Supply"
SPACE=$(tenant POST v1/spaces '{"partner_id":"prt_acme","title":"ACME — PO-1001","external_ref":{"system":"xecm","id":"48213"}}' space:xecm:48213 | field space_id)
THREAD=$(tenant POST "v1/spaces/$SPACE/threads" '{"subject":"PO-1001 line 2 short","kind":"po_exception"}' thread:po-1001 | field thread_id)
tenant POST "v1/threads/$THREAD/messages" '{"body":"Line 2 confirmed 60 of 100. When do the other 40 ship?"}' msg:po-1001:1 >/dev/null
echo "   space $SPACE, thread $THREAD"

echo "== ACME reads the thread and replies with a packing list"
"$BIN" partner --partner prt_acme messages --thread "$THREAD" | field items.0.body
printf '%%PDF-1.7 packing list PO-1001' >"$WORK/packing-list.pdf"
"$BIN" partner --partner prt_acme reply --thread "$THREAD" --body "Remaining 40 ship on the 28th" \
  --file "$WORK/packing-list.pdf" --structured '{"eta":"2026-11-28"}' | field message_id

echo "== Globex may not read ACME's thread"
if "$BIN" partner --partner prt_globex messages --thread "$THREAD" 2>"$WORK/err"; then echo "unexpected access"; exit 1; fi
grep -o '403' "$WORK/err" | head -1

echo "== ACME sends an 855 into BuyerCo's inbox"
printf 'ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261124*1000*U*00401*000000556*0*P*>~GS*PR*ACMESUPPLY*BUYERCO*20261124*1000*556*X*004010~ST*855*0002~BAK*00*AC*PO-1001*20261124~SE*3*0002~GE*1*556~IEA*1*000000556~' >"$WORK/855.x12"
DOC=$("$BIN" partner --partner prt_acme send-edi --file "$WORK/855.x12" --po-number PO-1001 | field document_id)
tenant GET "v1/mailboxes/mbx_buyerco/inbox?where_status=new" | field items.0.doc_type
"$BIN" document-status --document "$DOC" --status downloaded | field status

echo "== What BuyerCo sees now"
tenant GET "v1/threads/$THREAD/messages" | python3 -c 'import json,sys
for m in json.load(sys.stdin)["items"]: print("  ", m["author"]["kind"], "|", m["body"], "|", len(m["attachment_ids"]), "file(s)")'
tenant GET v1/events | python3 -c 'import json,sys
for e in json.load(sys.stdin)["items"]: print("  ", e["event_id"], e["event_type"])'
echo "demo complete"
