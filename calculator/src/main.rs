fn main() {
    println!("calculator");
}
