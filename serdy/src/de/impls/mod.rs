//! `Deserialize` for standard-library types, grouped by kind. Each reads
//! back what the matching `Serialize` impl writes.

mod collection;
mod primitive;
mod string;
mod time;
mod tuple;
mod wrapper;
