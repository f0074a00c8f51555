//! `otrs serve`: the first run with demo data, and the API answering.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(address: &str, path: &str, bearer: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_demo_starts_with_data_and_answers_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("otrs"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OTRS_") {
            command.env_remove(key);
        }
    }
    let child = command
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let stderr = server.0.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let started = Instant::now();
    let mut address = None;
    let mut printed = String::new();
    while address.is_none() && started.elapsed() < Duration::from_secs(120) {
        let Some(Ok(line)) = lines.next() else { break };
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.strip_prefix("otrs is listening on http://") {
            address = Some(rest.trim_end_matches('/').to_owned());
        }
    }
    let address = address.unwrap_or_else(|| panic!("the server did not start:\n{printed}"));
    assert!(
        printed.contains("demo data loaded: 50 tickets"),
        "{printed}"
    );
    assert!(
        printed.contains("admin / demo-password"),
        "the demo sign-in is printed:\n{printed}"
    );
    assert!(
        data.join("otrs.db").exists(),
        "the data directory and database were created"
    );

    let (status, body) = get(&address, "/api/v1/openapi.json", None);
    assert_eq!(status, 200);
    assert!(body.contains("openapi"));
    let (status, _) = get(&address, "/api/v1/tickets", None);
    assert_eq!(status, 401);

    // A token made with the CLI on the same data directory works against the running server.
    let out = crate::support::otrs(&data)
        .args(["--json", "agent", "token", "create", "admin"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let secret = token["secret"].as_str().unwrap();
    let (status, body) = get(&address, "/api/v1/tickets?per_page=5", Some(secret));
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|_| {
        // Chunked transfer encoding: take the JSON between the first '{' and the last '}'.
        let start = body.find('{').unwrap();
        let end = body.rfind('}').unwrap();
        serde_json::from_str(&body[start..=end]).unwrap()
    });
    assert_eq!(page["total"], 50);
    // Searches see the demo data through the index that follows the change feed.
    let (status, body) = get(&address, "/api/v1/tickets?q=keyboard", Some(secret));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("keyboard"), "{body}");
}
