#!/usr/bin/env bash
# Local run: secrets, migrations, demo data, then wrangler dev. Data persists in the state folder.
#   scripts/dev.sh <port> <state-dir>
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-8787}"
STATE="${2:-.state}"
WRANGLER=node_modules/.bin/wrangler
export WRANGLER_SEND_METRICS=false

if [ ! -f .dev.vars ]; then
  echo "[dev] writing .dev.vars with fresh local secrets (gitignored)"
  {
    echo "JWT_SECRET=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')"
    echo "FILES_SECRET=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')"
  } > .dev.vars
fi

echo "[dev] applying migrations to $STATE"
"$WRANGLER" d1 migrations apply DB --local --persist-to "$STATE" > /dev/null
echo "[dev] seeding the demo tenant"
node scripts/seed-demo.mjs "$STATE"

# Mail: wrangler simulates the send_email binding and writes each mail into its temporary folder
# (under $TMPDIR, removed when it stops); scripts/mailbox.mjs keeps a copy of each in $STATE/mail.
STATE_ABS="$(mkdir -p "$STATE" && cd "$STATE" && pwd)"
export TMPDIR="$STATE_ABS/mail-spool"
mkdir -p "$TMPDIR" "$STATE_ABS/mail"
node scripts/mailbox.mjs "$TMPDIR" "$STATE_ABS/mail" &
MAILBOX_PID=$!
trap 'kill "$MAILBOX_PID" 2>/dev/null || true' EXIT

cat <<INFO

  EdgeChat is starting on http://localhost:$PORT

  Operator console  http://localhost:$PORT/admin/
  Demo host page    http://localhost:$PORT/demo/
  Demo login        owner@demo.example / demo-owner-password   (agent: agent@demo.example / demo-agent-password)
  Widget key        pk_demolocal0000000000000000
  Sent mail         $STATE_ABS/mail/   (transcripts, messages left for the team; .eml files)

INFO
"$WRANGLER" dev --port "$PORT" --ip 127.0.0.1 --persist-to "$STATE" --show-interactive-dev-session=false --var MAIL_FROM:chat@edgechat.localhost
