//! The conformance suite: every rule of `PROTOCOL.md`, checked over real
//! sockets against a server binary.
//!
//! The suite is written once and instantiated per server binary by
//! [`conformance_tests!`]: each instantiation is a module holding one
//! `#[test]` per rule, and each test starts its own server with
//! `--addr 127.0.0.1:0` (plus the small limits it needs), finds the port in
//! the `listening on HOST:PORT` line, and kills the server when it ends.
//!
//! Run it against any binary with
//!
//! ```text
//! CHAT_SERVER_BIN=/path/to/server cargo test -p chat --test conformance
//! ```
//!
//! Without the variable, the `env_server` tests print a note and pass.
//!
//! | file | PROTOCOL.md |
//! | --- | --- |
//! | `framing.rs` | 2 framing, `--max-frame` |
//! | `decode.rs` | 3, 4 undecodable payloads |
//! | `hostile.rs` | 7 random garbage, dribbling; 5.4 pipelined `Ping`s in order |
//! | `golden.rs` | 3, 4 exact bytes of server frames |
//! | `names.rs` | 5.1 names |
//! | `session.rs` | 5.2 session start |
//! | `rooms.rs` | 5.3 rooms, 4 error precedence |
//! | `limits.rs` | 5.5 `SlowConsumer`, `ServerFull`, `HelloTimeout`, `EMFILE`; 5.3 the `Rooms` cut at 1 MiB |
//! | `disconnect.rs` | 5.6 disconnects and shutdown (also with a writer blocked) |
//! | `cli.rs` | 6 command line (`--threads`: `async_server` only) |
//! | `client.rs` | the `client` binary in a pipe, its default nick; 7 control characters, also from a hostile fake server |
//!
//! [`cluster_tests!`] runs the groups where a cluster changes something
//! (every rule that involves other clients) against two `--redis` nodes
//! sharing a private `redis-server` (two `event_server`s, two
//! `async_server`s, one of each), with each test's clients spread over
//! both (`cluster.rs`).
//!
//! The client tests ([`client_tests!`]) need a server and a `client`
//! binary: `CHAT_SERVER_BIN=... CHAT_CLIENT_BIN=... cargo test -p chat
//! --test conformance client_`.

mod cli;
mod client;
mod cluster;
mod decode;
mod disconnect;
mod framing;
mod golden;
mod hostile;
mod limits;
mod names;
#[path = "../redis/mod.rs"]
mod redis;
mod rooms;
mod session;
mod util;

/// Calls `$callback!(@tests ...)` with the suite's tests that are
/// meaningful for a cluster as well as for one process, then `$extra`:
/// the one list both [`conformance_tests!`] and [`cluster_tests!`] start
/// from.
macro_rules! shared_tests {
    ($callback:ident, [$($extra:tt)*]) => {
        $callback!(@tests
            // 2 Framing
            framing::zero_length_is_malformed_before_hello,
            framing::zero_length_is_malformed_after_welcome,
            framing::oversized_length_is_refused_without_its_payload,
            framing::all_ones_length_is_refused,
            framing::frame_of_exactly_max_frame_is_accepted,
            framing::max_frame_flag_is_honoured,
            framing::server_frames_ignore_max_frame,
            framing::several_frames_in_one_write,
            // 3, 4 Undecodable payloads
            decode::truncated_payload_is_malformed,
            decode::unknown_variant_is_malformed,
            decode::overlong_varint_is_malformed,
            decode::overflowing_varint_is_malformed,
            decode::long_varint_forms_within_the_limit_are_accepted,
            decode::bad_utf8_is_malformed,
            decode::trailing_bytes_are_malformed,
            decode::length_prefix_beyond_the_frame_is_malformed,
            decode::malformed_frame_of_a_member_makes_it_leave,
            // 7 Hostile input
            hostile::random_garbage_frames_do_not_disturb_others,
            hostile::random_garbage_streams_do_not_disturb_others,
            hostile::byte_at_a_time_hello_and_say,
            hostile::thousand_pipelined_pings_in_order,
            hostile::pongs_keep_order_with_other_replies,
            // Golden bytes
            golden::server_frames_match_hand_computed_bytes,
            golden::message_and_whisper_bytes,
            // 5.1 Names
            names::nick_length_and_alphabet,
            names::nicks_are_unique_ignoring_case,
            names::nicks_keep_their_case,
            names::room_names_are_stored_lowercase,
            names::room_name_length_and_alphabet,
            // 5.2 Session start
            session::welcome_then_lobby_history_then_joined,
            session::requests_before_welcome_are_unexpected,
            session::hello_after_welcome_is_unexpected,
            session::version_other_than_one_is_unsupported,
            session::refused_hello_may_be_retried,
            session::bye_before_hello_closes_silently,
            session::bye_after_welcome_closes_silently,
            session::replies_before_bye_or_a_fatal_error_still_arrive,
            // 5.3 Rooms
            rooms::join_sends_history_then_joined_to_everyone,
            rooms::history_is_the_last_32_messages_byte_for_byte,
            rooms::empty_room_is_deleted_with_its_history,
            rooms::leave_tells_everyone_including_the_leaver,
            rooms::say_reaches_every_member_including_the_sender,
            rooms::text_length_limits,
            rooms::whisper_reaches_both_ends_once,
            rooms::rename_is_announced_once_to_each_sharer,
            rooms::rename_to_own_nick_or_case_is_accepted,
            rooms::list_rooms_sorted_with_member_counts,
            rooms::list_users_sorted_ignoring_case,
            rooms::room_limit_counts_the_lobby,
            rooms::error_precedence,
            rooms::every_member_sees_one_order,
            rooms::one_write_of_says_and_whispers_arrives_in_its_order,
            rooms::a_joiner_mid_traffic_gets_history_then_the_same_order,
            // 5.5 Limits: the outbound limit and the hello timeout are per
            // connection, and a cluster node enforces them too
            limits::slow_consumer_is_dropped_others_miss_nothing,
            limits::two_non_readers_get_their_error_last,
            limits::ten_non_readers_get_their_error_last,
            limits::large_reply_into_empty_queue_is_delivered,
            limits::hello_timeout,
            limits::refused_hellos_do_not_delay_the_hello_timeout,
            // 5.6 Disconnects (a client's, not the process's)
            disconnect::close_mid_frame_is_a_plain_disconnect,
            disconnect::reset_is_a_disconnect,
            $($extra)*
        );
    };
}

/// Instantiate the whole suite as module `$name`, run against the server
/// binary `$bin` (an `Option<PathBuf>`; `None` skips every test with a note).
macro_rules! conformance_tests {
    ($name:ident, $bin:expr) => {
        mod $name {
            fn bin() -> Option<std::path::PathBuf> {
                $bin
            }
            shared_tests!(conformance_tests, [
                // 5.5 Limits of one process
                limits::a_refused_client_that_half_closes_does_not_stop_the_server,
                limits::rooms_listing_is_cut_to_one_frame,
                limits::connection_limit_counts_connections_before_hello,
                limits::descriptor_exhaustion_does_not_stop_service,
                // 5.6 Shutdown
                disconnect::sigterm_shuts_down_every_connection,
                disconnect::sigint_shuts_down_too,
                disconnect::shutdown_is_not_held_up_by_a_client_that_never_reads,
                // 6 Command line
                cli::listening_line_names_the_real_port,
                cli::listening_line_brackets_ipv6,
                cli::help_exits_zero,
                cli::bad_flags_exit_two,
                cli::every_flag_is_accepted,
            ]);
        }
    };
    (@tests $($module:ident :: $test:ident),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                crate::util::run_with(bin(), stringify!($test), crate::$module::$test);
            }
        )*
    };
}

// The binary named by `CHAT_SERVER_BIN`, if set.
conformance_tests!(env_server, crate::util::env_server());

// The servers of this package (enable each line once its binary exists):
conformance_tests!(
    event_server,
    Some(env!("CARGO_BIN_EXE_event_server").into())
);
conformance_tests!(
    thread_server,
    Some(env!("CARGO_BIN_EXE_thread_server").into())
);
conformance_tests!(
    async_server,
    Some(env!("CARGO_BIN_EXE_async_server").into())
);

/// Instantiate, as module `$name`, the suite's tests that are meaningful
/// for a cluster, each run against a cluster of one node per server binary
/// of `$bin` (`PathBuf`s of servers that take `--redis HOST:PORT`; see
/// `cluster.rs`).
///
/// Left out, because they are about one process rather than the chat:
/// `ServerFull` (`--max-conns` counts one node's connections),
/// descriptor exhaustion (one process's `RLIMIT_NOFILE`), the `Rooms` cut
/// at 1 MiB (965 clients and 30 000 rooms: a load test, and the cut is
/// the hub's listing code, which a node shares), shutdown on `SIGTERM` and
/// `SIGINT` (one process's signal; a node that dies is a fault test in
/// `cluster_faults.rs`), and the command line (`cli.rs`).
macro_rules! cluster_tests {
    ($name:ident, [$($bin:expr),+ $(,)?]) => {
        mod $name {
            fn nodes() -> Vec<std::path::PathBuf> {
                vec![$(std::path::PathBuf::from($bin)),+]
            }
            shared_tests!(cluster_tests, []);
        }
    };
    (@tests $($module:ident :: $test:ident),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                crate::util::run_cluster_with(&nodes(), crate::$module::$test);
            }
        )*
    };
}

// This package's servers that take `--redis`: two nodes of each, and one
// of each in one chat.
cluster_tests!(
    event_cluster,
    [
        env!("CARGO_BIN_EXE_event_server"),
        env!("CARGO_BIN_EXE_event_server"),
    ]
);
cluster_tests!(
    async_cluster,
    [
        env!("CARGO_BIN_EXE_async_server"),
        env!("CARGO_BIN_EXE_async_server"),
    ]
);
cluster_tests!(
    mixed_cluster,
    [
        env!("CARGO_BIN_EXE_event_server"),
        env!("CARGO_BIN_EXE_async_server"),
    ]
);

/// The close policy this package's servers share
/// (`chat::server::lifecycle`): after `Bye` the connection closes at once,
/// after a fatal error it lingers. PROTOCOL.md leaves this to the server,
/// so it is pinned here for our three binaries and not run against
/// `CHAT_SERVER_BIN`.
mod close_policy {
    use std::path::Path;

    #[test]
    fn event_server_bye_closes_at_once_a_fatal_error_lingers() {
        crate::session::bye_closes_at_once_a_fatal_error_lingers(Path::new(env!(
            "CARGO_BIN_EXE_event_server"
        )));
    }

    #[test]
    fn thread_server_bye_closes_at_once_a_fatal_error_lingers() {
        crate::session::bye_closes_at_once_a_fatal_error_lingers(Path::new(env!(
            "CARGO_BIN_EXE_thread_server"
        )));
    }

    #[test]
    fn async_server_bye_closes_at_once_a_fatal_error_lingers() {
        crate::session::bye_closes_at_once_a_fatal_error_lingers(Path::new(env!(
            "CARGO_BIN_EXE_async_server"
        )));
    }
}

/// `--threads`, which only `async_server` takes (section 6).
#[test]
fn async_server_threads_flag() {
    cli::threads_flag(std::path::Path::new(env!("CARGO_BIN_EXE_async_server")));
}

/// Instantiate the `client` tests as module `$name`, run with the server
/// binary `$server` and the client binary `$client` (both
/// `Option<PathBuf>`; `None` skips with a note).
macro_rules! client_tests {
    ($name:ident, $server:expr, $client:expr) => {
        mod $name {
            fn bins() -> Option<(std::path::PathBuf, std::path::PathBuf)> {
                Some(($server?, $client?))
            }
            client_tests!(@tests
                client_pipe_says_hello_and_quits => pipe_says_hello_and_quits,
                client_pipe_eof_says_bye => pipe_eof_says_bye,
                client_two_clients_talk => two_clients_talk,
                client_unreachable_server_exits_one => unreachable_server_exits_one,
                client_default_nick_is_user_or_guest => default_nick_is_user_or_guest,
            );
        }
    };
    (@tests $($test:ident => $fn:ident),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                crate::util::run_client_with(bins(), stringify!($test), crate::client::$fn);
            }
        )*
    };
}

// The binaries named by `CHAT_SERVER_BIN` and `CHAT_CLIENT_BIN`, if both set.
client_tests!(
    env_client,
    crate::util::env_server(),
    crate::util::env_client()
);

// This package's client against each server (enable once the binaries exist):
client_tests!(
    event_server_client,
    Some(env!("CARGO_BIN_EXE_event_server").into()),
    Some(env!("CARGO_BIN_EXE_client").into())
);
client_tests!(
    thread_server_client,
    Some(env!("CARGO_BIN_EXE_thread_server").into()),
    Some(env!("CARGO_BIN_EXE_client").into())
);
client_tests!(
    async_server_client,
    Some(env!("CARGO_BIN_EXE_async_server").into()),
    Some(env!("CARGO_BIN_EXE_client").into())
);

/// The client against a fake hostile server (no server binary needed).
#[test]
fn client_hostile_server_is_neutralised() {
    let client = crate::util::env_client().unwrap_or_else(|| env!("CARGO_BIN_EXE_client").into());
    client::hostile_server_is_neutralised(&client);
}
