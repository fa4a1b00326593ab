//! f64 special functions, one function family per file.
