//! The ts-daq desktop app (docs/desktop.md): a window listing the daemons of this machine and a
//! form for remote ones; each daemon's dashboard opens in its own window, loaded from the daemon
//! itself (the same web UI a browser gets at / of `--http-listen`). Tokens live in the OS
//! keyring; the dashboard raises native notifications through the `notify` command.

use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use tauri::{AppHandle, Url, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_notification::NotificationExt;

/// The keyring service the tokens are stored under; the account is the daemon's origin.
const KEYRING_SERVICE: &str = "ts-daq";
/// Where the dashboard keeps its token (web/src/api.ts).
const TOKEN_KEY: &str = "daq.dashboard.token";
/// Marks a dashboard window's sessionStorage once the app gave it the token.
const GIVEN_KEY: &str = "daq.desktop.token-given";

/// One daemon of this machine, as its discovery file says (src/cli/daemon-discovery.ts).
#[derive(Serialize, serde::Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct DaemonFile {
    pid: i64,
    #[serde(default)]
    grpc: String,
    #[serde(default)]
    http: Option<String>,
    #[serde(default)]
    lab: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    auth: bool,
    #[serde(default)]
    started: String,
}

/// The directory daemons announce themselves in: $DAQ_DAEMONS_DIR, else
/// $XDG_RUNTIME_DIR/ts-daq/daemons, else ~/.local/state/ts-daq/daemons (the daemon's rule).
fn daemons_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var("DAQ_DAEMONS_DIR") {
        return Some(dir);
    }
    if let Some(dir) = var("XDG_RUNTIME_DIR") {
        return Some(dir.join("ts-daq/daemons"));
    }
    let state =
        var("XDG_STATE_HOME").or_else(|| var("HOME").map(|home| home.join(".local/state")))?;
    Some(state.join("ts-daq/daemons"))
}

/// Whether process `pid` still runs (a daemon killed hard leaves its file behind).
fn alive(pid: i64) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // Signal 0: no signal, only the check; EPERM means it exists but is someone else's.
        pid > 0
            && (unsafe { libc::kill(pid, 0) } == 0
                || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM))
    }
    #[cfg(not(unix))]
    {
        pid > 0
    }
}

/// The daemons running on this machine, oldest first.
#[tauri::command]
fn list_daemons() -> Vec<DaemonFile> {
    let Some(dir) = daemons_dir() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut daemons: Vec<DaemonFile> = entries
        .flatten()
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "json"))
        .filter_map(|entry| {
            serde_json::from_slice::<DaemonFile>(&std::fs::read(entry.path()).ok()?).ok()
        })
        .filter(|daemon| alive(daemon.pid))
        .collect();
    daemons.sort_by(|a, b| a.started.cmp(&b.started));
    daemons
}

/// The keyring entry of a daemon's origin.
fn keyring_entry(origin: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(KEYRING_SERVICE, origin).map_err(|e| format!("the OS keyring: {e}"))
}

/// `http(s)://host:port` of a dashboard address typed by the user (`host:port` means http).
fn parse_daemon_url(url: &str) -> Result<Url, String> {
    let url = url.trim();
    let with_scheme = if url.contains("://") {
        url.to_string()
    } else {
        format!("http://{url}")
    };
    let parsed = Url::parse(&with_scheme).map_err(|e| format!("{url:?} is not a daemon address ({e}); write http://HOST:PORT, the daemon's --http-listen"))?;
    if parsed.scheme() != "http" && parsed.scheme() != "https" {
        return Err(format!(
            "{url:?}: only http:// and https:// addresses (the daemon's --http-listen)"
        ));
    }
    if parsed.host_str().is_none() {
        return Err(format!("{url:?} has no host"));
    }
    Ok(parsed)
}

static WINDOWS: AtomicU32 = AtomicU32::new(0);

/// What `connect` did, for the daemon list window to show.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Connected {
    origin: String,
    /// "typed", "keyring" or "none".
    token: &'static str,
    remembered: bool,
}

/// Opens the dashboard of the daemon at `url` in a new window. A typed token is kept in the OS
/// keyring when `remember`; without one, the keyring's token for that origin (if any) is used.
/// The token reaches the page through an initialization script that runs only on that origin.
/// Async: a window made by a synchronous command deadlocks on Windows.
#[tauri::command]
async fn connect(
    app: AppHandle,
    url: String,
    token: Option<String>,
    remember: bool,
) -> Result<Connected, String> {
    let url = parse_daemon_url(&url)?;
    let origin = url.origin().ascii_serialization();
    let typed = token
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let mut remembered = false;
    let (token, source) = match typed {
        Some(token) => {
            if remember {
                keyring_entry(&origin)?
                    .set_password(&token)
                    .map_err(|e| format!("could not keep the token in the OS keyring: {e}"))?;
                remembered = true;
            }
            (Some(token), "typed")
        }
        // No keyring here (no Secret Service): no token; the dashboard asks for one if it needs it.
        None => {
            let read = keyring_entry(&origin).and_then(|entry| match entry.get_password() {
                Ok(token) => Ok(Some(token)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(format!("could not read the OS keyring: {e}")),
            });
            match read {
                Ok(Some(token)) => (Some(token), "keyring"),
                Ok(None) => (None, "none"),
                Err(e) => {
                    eprintln!("ts-daq desktop: opening {origin} without a token: {e}");
                    (None, "none")
                }
            }
        }
    };
    let mut script = String::new();
    if let Some(token) = &token {
        let origin_js = serde_json::to_string(&origin).map_err(|e| e.to_string())?;
        let token_js = serde_json::to_string(token).map_err(|e| e.to_string())?;
        let key_js = serde_json::to_string(TOKEN_KEY).map_err(|e| e.to_string())?;
        // Once per window: after the dashboard's "log out" (which forgets the token and reloads)
        // the window asks for a token like a browser tab, instead of logging in again.
        script = format!(
            "if (location.origin === {origin_js} && sessionStorage.getItem({GIVEN_KEY:?}) === null) {{ sessionStorage.setItem({key_js}, {token_js}); sessionStorage.setItem({GIVEN_KEY:?}, '1'); }}"
        );
    }
    let label = format!("daemon-{}", WINDOWS.fetch_add(1, Ordering::Relaxed));
    WebviewWindowBuilder::new(&app, &label, WebviewUrl::External(url.clone()))
        .title(format!("ts-daq — {origin}"))
        .inner_size(1400.0, 900.0)
        .initialization_script(&script)
        .build()
        .map_err(|e| format!("could not open a window for {origin}: {e}"))?;
    eprintln!(
        "ts-daq desktop: opened {origin} in window {label} (token: {source}{})",
        if remembered {
            ", kept in the keyring"
        } else {
            ""
        }
    );
    Ok(Connected {
        origin,
        token: source,
        remembered,
    })
}

/// Removes the keyring's token of the daemon at `url`; false when there was none.
#[tauri::command]
fn forget_token(url: String) -> Result<bool, String> {
    let origin = parse_daemon_url(&url)?.origin().ascii_serialization();
    match keyring_entry(&origin)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(format!(
            "could not remove the token from the OS keyring: {e}"
        )),
    }
}

/// A native notification (the dashboard calls it when a run ends or a device faults). The line on
/// stderr says it was asked for even where no notification server runs.
#[tauri::command]
fn notify(app: AppHandle, title: String, body: String) -> Result<(), String> {
    let title: String = title.chars().take(200).collect();
    let body: String = body.chars().take(1000).collect();
    eprintln!("ts-daq desktop: notification: {title}: {body}");
    app.notification()
        .builder()
        .title(&title)
        .body(&body)
        .show()
        .map_err(|e| {
            eprintln!("ts-daq desktop: the notification could not be shown: {e}");
            format!("the notification could not be shown: {e}")
        })
}

/// Starts the app: the daemon list window of tauri.conf.json, the commands, notifications.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(tauri::generate_handler![
            list_daemons,
            connect,
            forget_token,
            notify
        ])
        .run(tauri::generate_context!())
        .expect("the ts-daq desktop app failed to start");
}
