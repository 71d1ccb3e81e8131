//! Benchmark helper (not a benchmark itself): saves two linked connections to an external
//! `dam-sim demo` into a HOME folder and their password into the keyring, as the Profiles screen
//! would, so that `scripts/bench.sh` can measure the app's refresh CPU without the in-process
//! demo simulator. Run it inside `scripts/with-keyring.sh`, with the same HOME as the app.
//!
//! ```text
//! bench_profiles HOME PUBLISHER_URL SUBSCRIBER_URL USER   (password in DAM_SIM_PASSWORD)
//! ```

#[path = "../tests/real_window/sim_profiles.rs"]
mod sim_profiles;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [home, publisher, subscriber, user] = args.as_slice() else {
        eprintln!("usage: bench_profiles HOME PUBLISHER_URL SUBSCRIBER_URL USER");
        std::process::exit(2);
    };
    let password = std::env::var("DAM_SIM_PASSWORD").expect("DAM_SIM_PASSWORD");
    sim_profiles::install(home.as_ref(), publisher, subscriber, user, &password);
}
