//! The `procsim` command line: thin glue over the library.

fn main() {
    println!("procsim");
}
