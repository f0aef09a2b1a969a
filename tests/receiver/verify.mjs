// A receiver's check of dq deliveries with the Standard Webhooks library,
// as the README shows it.  Reads one JSON array from stdin:
// [{"secret": "whsec_..." , "api_key": "dq_..." (for --sign-with-api-key
// accounts, instead of secret), "headers": {...}, "body": "..."}, ...]
// and prints one line per item: "ok <webhook-id>" or "bad <reason>".
import { Webhook } from 'standardwebhooks';

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  for (const m of JSON.parse(input)) {
    // an API key is not base64: its secret is whsec_ + base64 of its bytes
    const secret = m.secret ?? 'whsec_' + Buffer.from(m.api_key).toString('base64');
    try {
      new Webhook(secret).verify(m.body, m.headers);
      console.log('ok ' + m.headers['webhook-id']);
    } catch (e) {
      console.log('bad ' + e.message);
    }
  }
});
