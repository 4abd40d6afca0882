//! The browser test: headless Chromium loads every page of the built book from a local
//! server, as a reader's browser would, and the page must render: no failed request, no
//! console error or uncaught exception, every image in the text loaded and visible, no table
//! wider than the page at 1280 px. On top of that, per page: the results page shows its size
//! chart; the claims page, where the book has one, shows its chart; the comparing chapter
//! shows the demo player and, with JavaScript off, the text of the demo instead; the search
//! box finds "scratch".
//!
//! Chromium is driven over the Chrome DevTools Protocol on its own WebSocket, with a small
//! synchronous client (tungstenite) and JSON: a few dozen commands do not justify an async
//! driver crate, and this keeps `just docs-check` quick to compile.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

use crate::repo::{self, Repo};

/// The width the issue of wide tables is judged at, and the screenshots are taken at.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 1600;
/// A page that has not fired its load event by then has failed.
const PAGE_LIMIT: Duration = Duration::from_secs(30);

/// Debian's package is `chromium`; other systems name the binary differently.
const CANDIDATES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

pub fn run(args: &[String]) -> Result<(), String> {
    let mut screenshots = None;
    let mut only = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--screenshots" => {
                screenshots = Some(PathBuf::from(
                    it.next().ok_or("--screenshots needs a folder")?,
                ))
            }
            "--page" => {
                only = Some(
                    it.next()
                        .ok_or("--page needs a page, like results.html")?
                        .clone(),
                )
            }
            other => return Err(format!("browser: unknown argument {other}")),
        }
    }
    let repo = Repo::discover()?;
    let book = repo.root.join("docs/book");
    if !book.join("index.html").is_file() {
        return Err("docs/book holds no built book: run `just docs` first".into());
    }
    let chromium = find_chromium()?;
    let server = Server::start(&book)?;
    let profile = std::env::temp_dir().join(format!("book-tools-chromium-{}", std::process::id()));
    std::fs::create_dir_all(&profile)
        .map_err(|e| format!("cannot create {}: {e}", profile.display()))?;
    let mut browser = Browser::launch(&chromium, &profile)?;
    let result = test_pages(
        &mut browser,
        &server,
        &book,
        screenshots.as_deref(),
        only.as_deref(),
    );
    browser.close();
    std::fs::remove_dir_all(&profile).ok();
    result
}

fn find_chromium() -> Result<String, String> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Ok(path.to_string_lossy().into_owned());
    }
    for name in CANDIDATES {
        let found = Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if found {
            return Ok(name.to_string());
        }
    }
    Err("no Chromium found: install Debian's `chromium` package (sudo apt-get install chromium), or set CHROMIUM to its path".into())
}

fn test_pages(
    browser: &mut Browser,
    server: &Server,
    book: &Path,
    screenshots: Option<&Path>,
    only: Option<&str>,
) -> Result<(), String> {
    let mut pages = Vec::new();
    repo::walk(book, &mut |p| {
        if p.extension().is_some_and(|x| x == "html")
            && let Ok(rel) = p.strip_prefix(book)
        {
            pages.push(repo::slashed(rel));
        }
    })?;
    if let Some(only) = only {
        pages.retain(|p| p == only);
        if pages.is_empty() {
            return Err(format!("the built book has no page {only}"));
        }
    }
    let mut failures = Vec::new();
    let claims = pages.iter().any(|p| p == "claims.html");
    // The claims page shows its chart once `just claims` and `just report` have measured and
    // written it; before that it says so in words, and there is no chart to look for.
    let claims_chart = claims
        && std::fs::read_to_string(book.join("claims.html"))
            .is_ok_and(|html| html.contains(".svg"));
    for page in &pages {
        let url = format!("{}/{page}", server.base);
        let mut problems = match browser.load(&url) {
            Ok(p) => p,
            Err(e) => vec![e],
        };
        let facts = browser.eval(PAGE_CHECKS)?;
        let facts: Value = serde_json::from_str(facts.as_str().unwrap_or("{}"))
            .map_err(|e| format!("{page}: page checks returned no JSON: {e}"))?;
        for p in facts["problems"].as_array().into_iter().flatten() {
            problems.push(p.as_str().unwrap_or("").to_string());
        }
        let images: Vec<String> = facts["visible_images"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        match page.as_str() {
            "results.html" if !images.iter().any(|i| i.ends_with("images/sizes.svg")) => {
                problems.push("the size chart images/sizes.svg is not a visible image".into());
            }
            "claims.html" if claims_chart && !images.iter().any(|i| i.ends_with(".svg")) => {
                problems.push("the claims chart is not a visible image".into());
            }
            "comparing.html" => problems.extend(browser.check_player()?),
            "index.html" => problems.extend(browser.check_search()?),
            _ => {}
        }
        if let Some(dir) = screenshots
            && matches!(page.as_str(), "results.html" | "comparing.html")
        {
            let file = dir.join(page.replace(".html", ".png"));
            browser.screenshot(&file, page == "comparing.html")?;
            println!("  screenshot of {page}: {}", file.display());
        }
        if page == "comparing.html" {
            problems.extend(browser.check_player_fallback(&url)?);
        }
        if problems.is_empty() {
            println!("  ok {page}");
        } else {
            println!("  FAILED {page}");
            for p in &problems {
                println!("      {p}");
            }
            failures.push(format!("{page}: {}", problems.join("; ")));
        }
    }
    // A page without an icon of its own (mdBook's toc.html) makes the browser ask for the
    // site's /favicon.ico: the browser's request, not the book's.
    let missing: Vec<String> = server
        .not_found()
        .into_iter()
        .filter(|u| u != "/favicon.ico")
        .collect();
    if !missing.is_empty() {
        failures.push(format!(
            "the server answered 404 for: {}",
            missing.join(", ")
        ));
    }
    println!(
        "browser: {} pages loaded in headless Chromium at {WIDTH}x{HEIGHT}; {}",
        pages.len(),
        if claims_chart {
            "the claims page is in the book and its chart was checked"
        } else if claims {
            "the claims page has no measured results yet (just claims, then just report), so NO claims chart was checked"
        } else {
            "the book has no claims page yet, so no claims chart was checked"
        }
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} pages do not render cleanly:\n  {}",
            failures.len(),
            failures.join("\n  ")
        ))
    }
}

/// Runs in each page after its load event; returns JSON with `problems` and the sources of
/// the images that are loaded and visible.
const PAGE_CHECKS: &str = r#"(() => {
  const problems = [];
  const visible = [];
  if (location.pathname.endsWith('/toc.html')) {
    // mdBook's table of contents for readers without JavaScript (the sidebar's frame).
    if (document.querySelectorAll('a[href]').length < 10) problems.push('the table of contents lists no chapters');
  } else {
    const main = document.querySelector('main');
    if (!main || main.innerText.trim().length < 20) problems.push('the page shows no text');
  }
  for (const img of document.querySelectorAll('main img')) {
    // mdBook 0.5 adds a hidden copy of every image for its click-to-zoom view.
    if (img.closest('.img-wrapper')) continue;
    const src = img.getAttribute('src');
    const r = img.getBoundingClientRect();
    if (!img.complete || img.naturalWidth === 0) problems.push(`image ${src} did not load`);
    else if (r.width < 16 || r.height < 16) problems.push(`image ${src} is not visible (${Math.round(r.width)}x${Math.round(r.height)} px, natural ${img.naturalWidth}x${img.naturalHeight}, display ${getComputedStyle(img).display})`);
    else visible.push(src);
  }
  for (const w of document.querySelectorAll('main .table-wrapper')) {
    if (w.scrollWidth > w.clientWidth + 1) {
      const head = w.querySelector('th');
      problems.push(`the table starting "${head ? head.innerText.trim() : '?'}" is ${w.scrollWidth} px wide in ${w.clientWidth} px: it scrolls sideways`);
    }
  }
  return JSON.stringify({problems, visible_images: visible});
})()"#;

/// A static file server for the built book on a free loopback port: one thread per
/// connection, one request per connection (`Connection: close`), GET only. A page opened
/// from file:// would not run mdBook's search, so the browser needs a server.
struct Server {
    base: String,
    not_found: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(book: &Path) -> Result<Server, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| format!("cannot start a local web server: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("the local web server has no port: {e}"))?
            .port();
        let root = book.to_path_buf();
        let not_found = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&not_found);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let root = root.clone();
                let log = Arc::clone(&log);
                std::thread::spawn(move || serve(stream, &root, &log));
            }
        });
        Ok(Server {
            base: format!("http://127.0.0.1:{port}"),
            not_found,
        })
    }

    fn not_found(&self) -> Vec<String> {
        self.not_found.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn serve(mut stream: TcpStream, root: &Path, log: &Mutex<Vec<String>>) {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // The headers are read and ignored: a file's bytes do not depend on them.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let mut words = request_line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or("/"));
    let url = target.split(['?', '#']).next().unwrap_or("/").to_string();
    let rel = url.trim_start_matches('/');
    let mut path = root.join(rel);
    if path.is_dir() {
        path = path.join("index.html");
    }
    let body = match std::fs::read(&path) {
        Ok(body) if method == "GET" && repo::normalise(Path::new(rel)).is_some() => Some(body),
        _ => None,
    };
    let response = match &body {
        Some(body) => format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            content_type(&path),
            body.len()
        ),
        None => {
            if let Ok(mut l) = log.lock() {
                l.push(url.clone());
            }
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
        }
    };
    stream.write_all(response.as_bytes()).ok();
    if let Some(body) = body {
        stream.write_all(&body).ok();
    }
    stream.flush().ok();
}

/// The browser asks for /favicon.ico by itself for a page that names no icon (mdBook's
/// toc.html): not a request of the book's.
fn is_favicon(url: &Value) -> bool {
    url.as_str().is_some_and(|u| u.ends_with("/favicon.ico"))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|x| x.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css",
        "js" => "text/javascript",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" | "cast" => "application/json",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// One headless Chromium with one page, driven over the DevTools protocol.
struct Browser {
    child: Child,
    ws: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    events: Vec<Value>,
}

impl Browser {
    fn launch(chromium: &str, profile: &Path) -> Result<Browser, String> {
        let child = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
                &format!("--window-size={WIDTH},{HEIGHT}"),
                &format!("--user-data-dir={}", profile.display()),
                "about:blank",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {chromium}: {e}"))?;
        // Chromium writes the port it chose, and the browser's WebSocket path, to this file.
        let active = profile.join("DevToolsActivePort");
        let started = Instant::now();
        let (port, path) = loop {
            if let Ok(text) = std::fs::read_to_string(&active) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                    break (port.trim().to_string(), path.trim().to_string());
                }
            }
            if started.elapsed() > Duration::from_secs(30) {
                let mut child = child;
                child.kill().ok();
                return Err(format!(
                    "{chromium} did not open its DevTools port within 30 s"
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let stream = TcpStream::connect(format!("127.0.0.1:{port}"))
            .map_err(|e| format!("cannot connect to Chromium's DevTools port {port}: {e}"))?;

        let (ws, _) = tungstenite::client::client(format!("ws://127.0.0.1:{port}{path}"), stream)
            .map_err(|e| format!("the DevTools WebSocket handshake failed: {e}"))?;
        // Only after the handshake, which a timeout would interrupt: reads then wait at
        // most this long, so that the event loops can check their own deadlines.
        ws.get_ref()
            .set_read_timeout(Some(Duration::from_millis(200)))
            .map_err(|e| e.to_string())?;
        let mut browser = Browser {
            child,
            ws,
            session: String::new(),
            next_id: 0,
            events: Vec::new(),
        };
        // The page Chromium opened at start: the tab in front, which renders like a reader's
        // (a tab opened in the background is throttled and may not lay out its images).
        let started = Instant::now();
        let target_id = loop {
            let targets = browser.call_browser("Target.getTargets", json!({}))?;
            let page = targets["targetInfos"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["type"] == "page")
                .and_then(|t| t["targetId"].as_str().map(str::to_string));
            if let Some(id) = page {
                break id;
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err("Chromium opened no page".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let attached = browser.call_browser(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        )?;
        browser.session = attached["sessionId"]
            .as_str()
            .ok_or("no session id")?
            .to_string();
        for domain in [
            "Page.enable",
            "Network.enable",
            "Runtime.enable",
            "Log.enable",
        ] {
            browser.call(domain, json!({}))?;
        }
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": false}),
        )?;
        Ok(browser)
    }

    fn send(&mut self, method: &str, params: Value, session: bool) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if session {
            message["sessionId"] = Value::String(self.session.clone());
        }
        self.ws
            .send(Message::text(message.to_string()))
            .map_err(|e| format!("DevTools: cannot send {method}: {e}"))?;
        let started = Instant::now();
        loop {
            if let Some(reply) = self.receive()? {
                if reply["id"] == id {
                    if let Some(error) = reply.get("error") {
                        return Err(format!("DevTools: {method} failed: {error}"));
                    }
                    return Ok(reply["result"].clone());
                }
                if reply.get("method").is_some() {
                    self.events.push(reply);
                }
            }
            if started.elapsed() > PAGE_LIMIT {
                return Err(format!(
                    "DevTools: no answer to {method} within {} s",
                    PAGE_LIMIT.as_secs()
                ));
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.send(method, params, true)
    }

    fn call_browser(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.send(method, params, false)
    }

    /// One message, or None when none arrived within the read timeout.
    fn receive(&mut self) -> Result<Option<Value>, String> {
        match self.ws.read() {
            Ok(Message::Text(text)) => serde_json::from_str(text.as_str())
                .map(Some)
                .map_err(|e| format!("DevTools sent no JSON: {e}")),
            Ok(_) => Ok(None),
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(format!("DevTools connection lost: {e}")),
        }
    }

    /// Reads events for `quiet` after the last one arrived (or `limit` in all).
    fn settle(&mut self, quiet: Duration, limit: Duration) -> Result<(), String> {
        let started = Instant::now();
        let mut last = Instant::now();
        while last.elapsed() < quiet && started.elapsed() < limit {
            if let Some(event) = self.receive()? {
                if event.get("method").is_some() {
                    self.events.push(event);
                }
                last = Instant::now();
            }
        }
        Ok(())
    }

    /// Navigates and waits for the load event; returns what went wrong while loading.
    fn load(&mut self, url: &str) -> Result<Vec<String>, String> {
        self.events.clear();
        let nav = self.call("Page.navigate", json!({"url": url}))?;
        if let Some(e) = nav.get("errorText").and_then(Value::as_str) {
            return Ok(vec![format!("navigation failed: {e}")]);
        }
        let started = Instant::now();
        while !self
            .events
            .iter()
            .any(|e| e["method"] == "Page.loadEventFired")
        {
            if started.elapsed() > PAGE_LIMIT {
                let mut pending = std::collections::BTreeMap::new();
                for e in &self.events {
                    let id = e["params"]["requestId"].to_string();
                    match e["method"].as_str().unwrap_or("") {
                        "Network.requestWillBeSent" => {
                            pending.insert(
                                id,
                                e["params"]["request"]["url"]
                                    .as_str()
                                    .unwrap_or("")
                                    .to_string(),
                            );
                        }
                        "Network.loadingFinished" | "Network.loadingFailed" => {
                            pending.remove(&id);
                        }
                        _ => {}
                    }
                }
                let seen: Vec<String> = pending.into_values().collect();
                return Ok(vec![format!(
                    "no load event within {} s (seen: {})",
                    PAGE_LIMIT.as_secs(),
                    seen.join(",")
                )]);
            }
            if let Some(event) = self.receive()?
                && event.get("method").is_some()
            {
                self.events.push(event);
            }
        }
        // Scripts run after load (the search index, the player) and may still fetch or fail.
        self.settle(Duration::from_millis(400), Duration::from_secs(5))?;
        Ok(self.problems())
    }

    /// Failed requests, HTTP errors, console errors and uncaught exceptions seen so far.
    fn problems(&self) -> Vec<String> {
        let mut urls = HashMap::new();
        let mut out = Vec::new();
        for e in &self.events {
            let p = &e["params"];
            match e["method"].as_str().unwrap_or("") {
                "Network.requestWillBeSent" => {
                    urls.insert(
                        p["requestId"].to_string(),
                        p["request"]["url"].as_str().unwrap_or("").to_string(),
                    );
                }
                "Network.loadingFailed" if p["canceled"] != true => out.push(format!(
                    "request failed: {} ({})",
                    urls.get(&p["requestId"].to_string())
                        .map_or("?", String::as_str),
                    p["errorText"].as_str().unwrap_or("")
                )),
                "Network.responseReceived"
                    if p["response"]["status"].as_u64().is_some_and(|s| s >= 400)
                        && !is_favicon(&p["response"]["url"]) =>
                {
                    out.push(format!(
                        "HTTP {} for {}",
                        p["response"]["status"],
                        p["response"]["url"].as_str().unwrap_or("?")
                    ))
                }
                "Runtime.exceptionThrown" => out.push(format!(
                    "uncaught exception: {}",
                    p["exceptionDetails"]["exception"]["description"]
                        .as_str()
                        .or(p["exceptionDetails"]["text"].as_str())
                        .unwrap_or("?")
                )),
                "Runtime.consoleAPICalled"
                    if matches!(p["type"].as_str(), Some("error" | "assert")) =>
                {
                    let text: Vec<String> = p["args"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|a| {
                            a["value"]
                                .as_str()
                                .map_or_else(|| a["description"].to_string(), str::to_string)
                        })
                        .collect();
                    out.push(format!("console error: {}", text.join(" ")))
                }
                "Log.entryAdded"
                    if p["entry"]["level"] == "error" && !is_favicon(&p["entry"]["url"]) =>
                {
                    out.push(format!(
                        "browser error: {} {}",
                        p["entry"]["text"].as_str().unwrap_or(""),
                        p["entry"]["url"].as_str().unwrap_or("")
                    ))
                }
                _ => {}
            }
        }
        out.dedup();
        out
    }

    fn eval(&mut self, expression: &str) -> Result<Value, String> {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        )?;
        if let Some(e) = r.get("exceptionDetails") {
            return Err(format!(
                "a page check threw: {}",
                e["exception"]["description"].as_str().unwrap_or("?")
            ));
        }
        Ok(r["result"]["value"].clone())
    }

    /// Polls `expression` until it is true, for up to `limit`.
    fn wait_for(&mut self, expression: &str, limit: Duration) -> Result<bool, String> {
        let started = Instant::now();
        loop {
            if self.eval(expression)? == Value::Bool(true) {
                return Ok(true);
            }
            if started.elapsed() > limit {
                return Ok(false);
            }
            self.settle(Duration::from_millis(200), Duration::from_millis(200))?;
        }
    }

    /// The comparing chapter: the player replaced the placeholder, has a size, and fetched
    /// the recording; the text version below it is folded away.
    fn check_player(&mut self) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        let shown = self.wait_for(
            "(() => { const t = document.querySelector('.demo-player .ap-term'); \
               if (!t) return false; const r = t.getBoundingClientRect(); \
               return r.width > 300 && r.height > 150; })()",
            Duration::from_secs(10),
        )?;
        if !shown {
            out.push("the demo player did not appear (no .ap-term of at least 300x150 px in .demo-player)".into());
        }
        let fetched = self.events.iter().any(|e| {
            e["method"] == "Network.responseReceived"
                && e["params"]["response"]["url"]
                    .as_str()
                    .is_some_and(|u| u.ends_with(".cast"))
                && e["params"]["response"]["status"] == 200
        });
        if !fetched {
            out.push("the player did not fetch the recording (.cast)".into());
        }
        if self.eval("document.querySelector('details.demo-text')?.open === false")?
            != Value::Bool(true)
        {
            out.push("with the player shown, the text of the demo should be folded away".into());
        }
        out.extend(self.problems());
        out.dedup();
        Ok(out)
    }

    /// The same chapter with JavaScript off: the text of the demo is open and shows the table.
    fn check_player_fallback(&mut self, url: &str) -> Result<Vec<String>, String> {
        self.call(
            "Emulation.setScriptExecutionDisabled",
            json!({"value": true}),
        )?;
        let mut out = self.load(url)?;
        let ok = self.eval(
            "(() => { const d = document.querySelector('details.demo-text'); \
               return !!d && d.open && d.innerText.includes('scratch'); })()",
        )?;
        if ok != Value::Bool(true) {
            out.push("with JavaScript off, the text of the demo is not shown".into());
        }
        self.call(
            "Emulation.setScriptExecutionDisabled",
            json!({"value": false}),
        )?;
        Ok(out
            .into_iter()
            .map(|p| format!("(JavaScript off) {p}"))
            .collect())
    }

    /// The search box, opened as a reader would, finds "scratch".
    fn check_search(&mut self) -> Result<Vec<String>, String> {
        self.eval("document.getElementById('mdbook-search-toggle').click()")?;
        let opened = self.wait_for(
            "(() => { const b = document.getElementById('mdbook-searchbar'); return !!b && b.offsetParent !== null; })()",
            Duration::from_secs(5),
        )?;
        if !opened {
            return Ok(vec!["the search bar did not open".into()]);
        }
        // Typing is what the searcher listens to: set the text, then send a key event.
        self.eval(
            "(() => { const b = document.getElementById('mdbook-searchbar'); b.focus(); b.value = 'scratch'; \
               b.dispatchEvent(new KeyboardEvent('keyup', {key: 'h', bubbles: true})); \
               b.dispatchEvent(new Event('input', {bubbles: true})); })()",
        )?;
        let found = self.wait_for(
            "document.querySelectorAll('#mdbook-searchresults li').length > 0",
            Duration::from_secs(10),
        )?;
        let mut out = self.problems();
        if found {
            let n = self.eval("document.querySelectorAll('#mdbook-searchresults li').length")?;
            println!("  search for \"scratch\": {n} results");
        } else {
            out.push("searching for \"scratch\" found nothing".into());
        }
        out.dedup();
        Ok(out)
    }

    fn screenshot(&mut self, file: &Path, player: bool) -> Result<(), String> {
        if player {
            self.eval("document.querySelector('.demo-player')?.scrollIntoView({block: 'center'})")?;
            self.settle(Duration::from_millis(500), Duration::from_secs(2))?;
        }
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}))?;
        let data = shot["data"].as_str().ok_or("no screenshot data")?;
        let bytes = data_encoding::BASE64
            .decode(data.as_bytes())
            .map_err(|e| format!("the screenshot is not base64: {e}"))?;
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(file, bytes).map_err(|e| format!("cannot write {}: {e}", file.display()))
    }

    fn close(&mut self) {
        self.call_browser("Browser.close", json!({})).ok();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
