//! secguard-web: the review UI, a small server-rendered web app where people
//! decide whether findings are real and whether samples are secure. It is
//! the only secguard crate that serves HTTP (invariant 5), and it never
//! prints: the binary prints the URL that [`serve`] hands to `ready`.
//!
//! The server is meant for one person on one machine. The caller picks the
//! address; `127.0.0.1` (loopback only) is the default the CLI passes, and
//! the crate itself refuses nothing. Because anything on the machine (and
//! any web page open in a browser) can reach a loopback port, every request
//! must carry a per-launch session token, every form a per-launch CSRF
//! token, and the `Host` header must name loopback (against DNS
//! rebinding). All pages are rendered with maud, which escapes every value.

mod handlers;
mod security;
mod views;

use secguard_core::identity::Signer;
use secguard_store::Store;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// What the CLI decides for one launch of the review server.
#[derive(Clone)]
pub struct ServeOptions {
    /// Where to listen; the CLI's default is `127.0.0.1:0` (a free port on
    /// loopback). Binding elsewhere exposes the UI to the network.
    pub addr: SocketAddr,
    /// The session token every request must carry (see [`random_token`]).
    pub token: String,
    /// The project whose queue and reviews are shown.
    pub project: String,
    /// Who every decision made through this server is by: the identity
    /// that started it (its key's registered name, or the OS user). No form
    /// field can change it.
    pub reviewer: String,
    /// The reviewer's key, when started with one: decisions are signed
    /// with it. Without one they are recorded unsigned (they never count
    /// toward hiding high or critical findings).
    pub signer: Option<Arc<Signer>>,
    /// Larger request bodies are refused with 413.
    pub max_body_bytes: usize,
}

/// Leaves the token out, so logging the options cannot leak the session.
impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("addr", &self.addr)
            .field("token", &"<redacted>")
            .field("project", &self.project)
            .field("reviewer", &self.reviewer)
            .field("signer", &self.signer)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// Where the server listens, once it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    /// `http://127.0.0.1:PORT/?token=TOKEN`: the one URL that opens a session.
    pub url: String,
    pub addr: SocketAddr,
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(
        "cannot listen on {addr}: {message} (is the port in use? serve on another one: --serve 127.0.0.1:PORT)"
    )]
    Bind { addr: SocketAddr, message: String },
    #[error("review server failed: {0}")]
    Runtime(String),
    #[error("no randomness for the session token: {0}")]
    Random(String),
}

/// 32 random bytes from the OS, as 64 hex digits.
pub fn random_token() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Random(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Shared by every request.
pub(crate) struct AppState {
    pub store: Arc<dyn Store>,
    pub token: String,
    /// A second secret that only our own pages carry, so a request another
    /// site makes the browser send (with the cookie) cannot post forms.
    pub csrf: Option<String>,
    pub project: String,
    pub reviewer: String,
    pub signer: Option<Arc<Signer>>,
    pub max_body_bytes: usize,
    /// `Host` header values accepted (`127.0.0.1:PORT`, `localhost:PORT`,
    /// `[::1]:PORT`, and the bound address when it is a specific one).
    pub hosts: Vec<String>,
}

/// The whole app, for [`serve`] and for in-process tests. `options.addr`
/// must carry the real port, since the `Host` check depends on it.
pub fn router(store: Arc<dyn Store>, options: &ServeOptions) -> axum::Router {
    // Without randomness there is no CSRF token, and every POST is refused
    // (reading pages still works).
    let csrf = random_token().ok();
    let port = options.addr.port();
    let mut hosts = vec![
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ];
    let ip = options.addr.ip();
    if !ip.is_unspecified() && !ip.is_loopback() {
        hosts.push(options.addr.to_string());
    }
    let state = Arc::new(AppState {
        store,
        token: options.token.clone(),
        csrf,
        project: options.project.clone(),
        reviewer: options.reviewer.clone(),
        signer: options.signer.clone(),
        max_body_bytes: options.max_body_bytes,
        hosts,
    });
    handlers::routes(state)
}

/// Blocking: builds a tokio runtime, binds `options.addr`, calls `ready`
/// once listening, and serves until Ctrl-C or SIGTERM.
pub fn serve(
    store: Arc<dyn Store>,
    options: ServeOptions,
    ready: impl FnOnce(&ServerInfo),
) -> Result<(), WebError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| WebError::Runtime(e.to_string()))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|e| WebError::Bind {
                addr: options.addr,
                message: e.to_string(),
            })?;
        let addr = listener.local_addr().map_err(|e| WebError::Bind {
            addr: options.addr,
            message: e.to_string(),
        })?;
        let bound = ServeOptions {
            addr,
            ..options.clone()
        };
        let app = router(store, &bound);
        let host = match addr.ip() {
            ip if ip.is_unspecified() => {
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
            }
            _ => addr,
        };
        let info = ServerInfo {
            url: format!("http://{host}/?token={}", options.token),
            addr,
        };
        ready(&info);
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| WebError::Runtime(e.to_string()))
    })
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM. If a handler cannot be
/// installed, that signal is simply not awaited.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
