use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use tokio::net::TcpListener;
use validatord_rs::{Roster, app};

/// Rust reference runtime of the parity-fuzz contract (docs/contract.md).
#[derive(Debug, Parser)]
#[command(name = "validatord-rs", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:3100")]
    addr: String,

    /// Worker roster (JSON).
    #[arg(long, value_name = "PATH", default_value = "targets/roster.json")]
    roster: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();

    let roster = match Roster::load(&args.roster) {
        Ok(roster) => Arc::new(roster),
        Err(err) => {
            eprintln!("validatord-rs: roster {}: {err}", args.roster.display());
            return ExitCode::FAILURE;
        }
    };

    let listener = match TcpListener::bind(&args.addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("validatord-rs: cannot bind {}: {err}", args.addr);
            return ExitCode::FAILURE;
        }
    };

    if let Err(err) = axum::serve(listener, app(roster))
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        eprintln!("validatord-rs: server error: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };

    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };

    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
