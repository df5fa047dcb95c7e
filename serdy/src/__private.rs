//! Support code for the output of `serdy-derive`. Not a public API: its
//! contents may change with the derive macro at any time.
