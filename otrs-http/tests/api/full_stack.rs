//! The real server on a port: requests over TCP and the outbox delivered to the SMTP sink.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::World;

async fn http(addr: std::net::SocketAddr, request: String) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_answers_on_a_port_and_delivers_the_outbox() {
    let w = World::with_config(|c| c.outbox_interval = Duration::from_millis(50)).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(otrs_http::serve(listener, w.state.clone(), async {
        let _ = stopped.await;
    }));

    let response = http(
        addr,
        "GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".into(),
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let body = r#"{"kind":"email-outbound","to":"lacey@example.org","subject":"Printer","body":"It works again."}"#;
    let request = format!(
        "POST /api/v1/tickets/{}/articles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        w.ticket.0,
        w.token_secret,
        body.len()
    );
    let response = http(addr, request).await;
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    let mail = w.smtp.wait_for("It works again.").await;
    assert!(mail.contains("[Ticket#"), "{mail}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
