/* global window, document, setInterval */
// The daemon list window: the daemons of this machine (their discovery files, docs/desktop.md),
// and a form for any daemon's dashboard address with a token. Talks only to the app's commands.
const { invoke } = window.__TAURI__.core;

const list = document.getElementById('daemons');
const note = document.getElementById('daemons-note');
const url = document.getElementById('url');
const token = document.getElementById('token');
const remember = document.getElementById('remember');
const status = document.getElementById('status');

function say(text, error = false) {
  status.textContent = text;
  status.className = error ? 'error' : '';
}

async function open(address, typedToken) {
  say(`Opening ${address}…`);
  try {
    const done = await invoke('connect', { url: address, token: typedToken, remember: remember.checked });
    const how = { typed: 'with the token typed here', keyring: "with the keyring's token", none: 'without a token' }[done.token];
    say(`Opened ${done.origin} ${how}${done.remembered ? ' (kept in the keyring)' : ''}.`);
    token.value = '';
  } catch (error) {
    say(String(error), true);
  }
}

function row(daemon) {
  const item = document.createElement('li');
  item.dataset.pid = String(daemon.pid);
  const lab = Object.assign(document.createElement('span'), { className: 'lab', textContent: daemon.lab || 'a daemon' });
  const where = Object.assign(document.createElement('span'), {
    className: 'where',
    textContent: `${daemon.http ?? 'no dashboard (no --http-listen)'} · gRPC ${daemon.grpc} · pid ${daemon.pid} · v${daemon.version}${daemon.auth ? ' · tokens' : ''}`,
  });
  const button = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Open', className: 'open' });
  button.disabled = !daemon.http;
  button.addEventListener('click', () => {
    url.value = daemon.http;
    void open(daemon.http, token.value || null);
  });
  item.append(lab, where, Object.assign(document.createElement('span'), { className: 'spacer' }), button);
  return item;
}

let shown = '';
async function refresh() {
  try {
    const daemons = await invoke('list_daemons');
    const key = JSON.stringify(daemons);
    if (key !== shown) {
      shown = key;
      list.replaceChildren(...daemons.map(row));
      note.textContent = daemons.length === 0 ? 'None running (a daemon announces itself when it starts: daq daemon).' : '';
    }
  } catch (error) {
    note.textContent = `Could not list the daemons: ${error}`;
  }
}

document.getElementById('connect-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void open(url.value, token.value || null);
});
document.getElementById('forget').addEventListener('click', async () => {
  try {
    const removed = await invoke('forget_token', { url: url.value });
    say(removed ? 'The token was removed from the keyring.' : 'The keyring held no token for that address.');
  } catch (error) {
    say(String(error), true);
  }
});

void refresh();
setInterval(() => void refresh(), 2000);
