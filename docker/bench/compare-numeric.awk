# Compares the calculator's output with bc's, line by line, as numbers: a line agrees when
# it is the same text in both, or when both are decimals with at most 20 decimals whose
# exact values differ by at most 10^-20 (bc truncates its 20th decimal where the calculator
# rounds it). Exact, with no floating point: each number becomes the digit string of its
# value times 10^20.
#
#   awk -f docker/bench/compare-numeric.awk calc.out bc.out
#
# Prints one summary line, `lines N, same text S, numerically equal E, differing D`, then
# the first differing lines; the exit status is 1 when any line differs.
function scaled(x,    sign, whole, frac, n) {
    sign = ""
    if (substr(x, 1, 1) == "-") { sign = "-"; x = substr(x, 2) }
    if (x !~ /^[0-9]*(\.[0-9]*)?$/ || x == "" || x == ".") return "?" x
    n = index(x, ".")
    if (n) { whole = substr(x, 1, n - 1); frac = substr(x, n + 1) } else { whole = x; frac = "" }
    if (length(frac) > 20) return "?" x
    while (length(frac) < 20) frac = frac "0"
    x = whole frac
    sub(/^0+/, "", x)
    if (x == "") return "0"
    return sign x
}
# The digit string plus one.
function increment(d,    i, c, out) {
    out = ""
    for (i = length(d); i > 0; i--) {
        c = substr(d, i, 1) + 1
        if (c < 10) return substr(d, 1, i - 1) c out
        out = "0" out
    }
    return "1" out
}
function near(a, b,    sa, sb) {
    if (a == b) return 1
    if (a ~ /^\?/ || b ~ /^\?/) return 0
    sa = substr(a, 1, 1) == "-"; sb = substr(b, 1, 1) == "-"
    if (sa) a = substr(a, 2)
    if (sb) b = substr(b, 2)
    if (a == "0" || b == "0") return (a == "0" && b == "1") || (b == "0" && a == "1")
    if (sa != sb) return 0
    return increment(a) == b || increment(b) == a
}
FNR == NR { calc[FNR] = $0; n = FNR; next }
{
    m = FNR
    # Concatenation makes both strings: awk would compare numeric-looking fields as doubles.
    if (calc[FNR] "" == $0 "") { same++; next }
    if (near(scaled(calc[FNR]), scaled($0))) { equal++; next }
    differing++
    if (differing <= 5) shown = shown sprintf("line %d: calculator %s, bc %s\n", FNR, calc[FNR], $0)
}
END {
    if (m > n) n = m
    differing += (n - (same + equal + differing))
    printf "lines %d, same text %d, numerically equal %d, differing %d\n", n, same, equal, differing
    printf "%s", shown
    exit differing > 0
}
