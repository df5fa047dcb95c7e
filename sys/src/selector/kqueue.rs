//! kqueue backend (being written)
