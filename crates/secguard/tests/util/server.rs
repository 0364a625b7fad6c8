//! A `secguard review --serve` process for tests, and a small HTTP client
//! that logs in with the printed token and posts forms with the CSRF token.

use super::Dir;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running review server. Dropping it kills the process.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The URL with the token, as printed.
    pub url: String,
}

impl Server {
    /// Start `secguard review --serve` in `dir` with `extra` arguments
    /// (`--db FILE`) and environment (`SECGUARD_REVIEWER_KEY`), and wait
    /// for the URL it prints. It decides as the operating-system user, or
    /// as the owner of the key.
    pub fn start(dir: &Dir, env: &[(&str, &str)], extra: &[&str]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_secguard"));
        cmd.current_dir(dir.path())
            .args(["review", "--serve"])
            .args(extra)
            .env_remove("SECGUARD_DB")
            .env_remove("SECGUARD_REVIEWER_KEY")
            .env("XDG_CONFIG_HOME", dir.path().join(".config"))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start secguard: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("http://") {
                    let _ = tx.send(line[at..].trim().to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("the review server printed no URL; stderr:\n{err}");
            }
        };
        let base = url
            .split_once("/?")
            .map(|(b, _)| b.to_string())
            .unwrap_or_else(|| panic!("unexpected URL {url}"));
        Server { child, base, url }
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// What a request returned.
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

/// An HTTP client holding the session cookie, never following redirects.
pub struct Client {
    agent: ureq::Agent,
    pub base: String,
    pub cookie: String,
}

impl Client {
    /// Visit the printed URL and keep the session cookie it sets.
    pub fn login(server: &Server) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let resp = agent
            .get(&server.url)
            .call()
            .unwrap_or_else(|e| panic!("GET {}: {e}", server.url));
        let cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("secguard_session="))
            .and_then(|v| v.split(';').next())
            .unwrap_or_else(|| panic!("no session cookie from {}", server.url))
            .to_string();
        Client {
            agent,
            base: server.base.clone(),
            cookie,
        }
    }

    fn reply(mut resp: ureq::http::Response<ureq::Body>) -> Reply {
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        Reply {
            status,
            location,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        let url = format!("{}{path}", self.base);
        let resp = self
            .agent
            .get(&url)
            .header("Cookie", &self.cookie)
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        Client::reply(resp)
    }

    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let url = format!("{}{path}", self.base);
        let resp = self
            .agent
            .post(&url)
            .header("Cookie", &self.cookie)
            .send_form(form.iter().copied())
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        Client::reply(resp)
    }

    /// The CSRF token from any page with a form.
    pub fn csrf(&self, page: &str) -> String {
        let body = self.get(page).body;
        let at = body
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no csrf field on {page}"));
        let rest = &body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap_or(0)].to_string()
    }
}
