//! `Serialize` for standard-library types, grouped by kind.
//!
//! Each impl picks the data-model type a learner would expect: integers are
//! integers, `Vec<T>` is a seq, `[T; N]` and tuples are tuples (their length
//! is part of the type), `Option` is an option, `Result` is an enum with the
//! variants `Ok` and `Err`, `Duration` is the struct `{ secs, nanos }`.

mod collection;
mod pointer;
mod primitive;
mod time;
mod tuple;
