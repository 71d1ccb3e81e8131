//! `dam-sim`: run the demo (a seeded publisher and a drifted subscriber) or one environment.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use dam_sim::{start, start_demo, DemoConfig, EnvConfig, Role};

#[derive(Parser)]
#[command(
    name = "dam-sim",
    version,
    about = "HCL DX DAM staging simulator (publisher and subscriber environments)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Publisher,
    Subscriber,
}

#[derive(Subcommand)]
enum Command {
    /// Start a seeded publisher and a slightly broken subscriber, registered; print one JSON
    /// line {"publisher","subscriber","subscriberId","username","password"} and serve until Ctrl-C.
    Demo {
        /// Directory for the two databases (default: a temporary directory removed on exit).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Publisher port (0 = a free one).
        #[arg(long, default_value_t = 0)]
        publisher_port: u16,
        /// Subscriber port (0 = a free one).
        #[arg(long, default_value_t = 0)]
        subscriber_port: u16,
        /// Media items (assets) on each side.
        #[arg(long, default_value_t = 500)]
        assets: usize,
    },
    /// Serve one environment; print one JSON line {"url","role"} and serve until Ctrl-C.
    Serve {
        /// publisher or subscriber.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Port (0 = a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// SQLite database file (created if missing).
        #[arg(long)]
        db: PathBuf,
        /// Address to bind.
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
        /// The DX admin user.
        #[arg(long, default_value = dam_sim::DEFAULT_USERNAME)]
        user: String,
        /// The admin's password (default wpsadmin; prefer the DAM_SIM_PASSWORD variable).
        #[arg(long, env = "DAM_SIM_PASSWORD", default_value = dam_sim::DEFAULT_PASSWORD, hide_env_values = true)]
        password: String,
        /// Session token lifetime in seconds.
        #[arg(long, default_value_t = 7200)]
        token_ttl: u64,
        /// Serve HTTPS with a generated certificate; its CA PEM is written to <db>.ca.pem.
        #[arg(long)]
        tls: bool,
        /// CA PEM files to trust for calls to other environments.
        #[arg(long = "trust-ca")]
        trust_ca: Vec<PathBuf>,
        /// Records compared per batch by the find job.
        #[arg(long, default_value_t = 1000)]
        max_records_to_compare: usize,
        /// Page size of the list endpoints when a request has no `limit` (default 1000).
        #[arg(long)]
        default_page_size: Option<u64>,
        /// Serve at most this many rows per page of the list endpoints, silently, whatever
        /// `limit` asked (as a DX server may).
        #[arg(long)]
        page_cap: Option<u64>,
        /// Ignore `offset` on the list endpoints: every page starts at the first row.
        #[arg(long)]
        ignore_offset: bool,
        /// Keep a subscriber's old mismatch logs when a new find starts (today's DX does by
        /// default; with --older-dx this keeps them anyway).
        #[arg(long)]
        keep_logs_on_find: bool,
        /// Behave like the older DX of HCL's first feature page (EnvConfig::older_dx): one
        /// findStagingMismatch operation, logs replaced by a find, 409 for a second trigger,
        /// twelve record types on the records endpoints, no periodic staging cycles.
        #[arg(long)]
        older_dx: bool,
        /// Length of one simulated minute in milliseconds (staging cycles).
        #[arg(long, default_value_t = 60_000)]
        minute_ms: u64,
    },
}

fn print_line(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Demo {
            dir,
            publisher_port,
            subscriber_port,
            assets,
        } => {
            let (dir, _tmp) = match dir {
                Some(d) => (d, None),
                None => {
                    let t = tempfile::Builder::new()
                        .prefix("dam-sim-demo-")
                        .tempdir()
                        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
                    (t.path().to_path_buf(), Some(t))
                }
            };
            let demo = start_demo(DemoConfig {
                dir,
                publisher_port,
                subscriber_port,
                assets,
            })
            .await
            .map_err(|e| e.to_string())?;
            print_line(&demo.json_line());
            eprintln!(
                "dam-sim demo: publisher {} and subscriber {} are running (user {}); Ctrl-C stops them",
                demo.publisher.url(),
                demo.subscriber.url(),
                demo.username
            );
            let _ = tokio::signal::ctrl_c().await;
            demo.publisher.shutdown().await;
            demo.subscriber.shutdown().await;
            Ok(())
        }
        Command::Serve {
            role,
            port,
            db,
            bind,
            user,
            password,
            token_ttl,
            tls,
            trust_ca,
            max_records_to_compare,
            default_page_size,
            page_cap,
            ignore_offset,
            keep_logs_on_find,
            older_dx,
            minute_ms,
        } => {
            let role = match role {
                RoleArg::Publisher => Role::Publisher,
                RoleArg::Subscriber => Role::Subscriber,
            };
            let mut cfg = EnvConfig::new(role, db);
            cfg.port = port;
            cfg.bind = bind;
            cfg.username = user;
            cfg.password = password;
            cfg.token_ttl = Duration::from_secs(token_ttl);
            cfg.tls = tls;
            cfg.trusted_ca_pems = trust_ca;
            cfg.max_records_to_compare = max_records_to_compare;
            cfg.paging.default_limit = default_page_size;
            cfg.paging.limit_cap = page_cap;
            cfg.paging.ignore_offset = ignore_offset;
            if older_dx {
                cfg.set_older_dx();
            }
            cfg.keep_logs_on_find |= keep_logs_on_find;
            cfg.minute = Duration::from_millis(minute_ms.max(1));
            let env = start(cfg).await.map_err(|e| e.to_string())?;
            print_line(&serde_json::json!({"url": env.url(), "role": role.as_str()}).to_string());
            let _ = tokio::signal::ctrl_c().await;
            env.shutdown().await;
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dam-sim: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dam-sim: {e}");
            ExitCode::FAILURE
        }
    }
}
