# The mixed script raced against bc: integer arithmetic, powers, small factorials, exact
# divisions and inexact ones, on numbers that grow with the line number. Deterministic (no
# random numbers): line i depends on i alone, so every run and every machine gets the same
# script.
#
#   awk -v lines=100000 -v dialect=calc -f docker/bench/mixed-script.awk > mixed.calc
#   awk -v lines=100000 -v dialect=bc   -f docker/bench/mixed-script.awk > mixed.bc
#
#   calculator < mixed.calc > calc.out
#   BC_LINE_LENGTH=0 bc -q mixed.bc < /dev/null > bc.out
#
# Both files have one expression per line for i = 1 .. lines, the same expressions with the
# same numbers written out. The bc file starts with three lines that print nothing:
# `scale=20`, so divisions keep 20 decimals; f(n), a factorial, since bc has no `!`; and
# m(a, b), a remainder taken at scale 0, since bc's `%` at scale 20 is not the integer
# remainder. Everything else is the same text in both.
#
# Line i, by i % 10:
#   0  i*i+7                  integer
#   1  (i+3)*(i-2)            integer
#   2  i%97                   remainder          (bc: m(i, 97))
#   3  c*c*c-i, c = i^3       46-digit integers
#   4  (i%50+2)^(i%40+10)     power, up to 84 digits
#   5  (i%20+1)!              small factorial    (bc: f(i%20+1))
#   6  (i*i*i+i)/i            exact division, an integer
#   7  (13*i+1)/(i%9+3)       inexact division, mostly a decimal that does not end
#   8  i-i*i                  negative integer
#   9  i/8                    inexact division whose decimals end (1234.625)
#
# The outputs differ in form where bc truncates and the calculator rounds: bc prints 7/3
# as 2.33333333333333333333 and 1/8 as .12500000000000000000, the calculator prints
# 2.33333333333333333333 and 0.125, and for 2/3 bc's last digit is 6 where the
# calculator's is 7. So the two are compared numerically (compare-numeric.awk): a line
# agrees when it is the same text in both, or when both are decimal numbers whose exact
# values differ by at most 10^-20, one unit in the 20th decimal (bc's truncation).
BEGIN {
    if (lines == "") lines = 100000
    if (dialect != "bc") dialect = "calc"
    if (dialect == "bc") {
        print "scale=20"
        print "define f(n) { auto r; r = 1; while (n > 1) { r *= n; n -= 1; }; return (r); }"
        print "define m(a, b) { auto s; s = scale; scale = 0; a %= b; scale = s; return (a); }"
    }
    for (i = 1; i <= lines; i++) {
        k = i % 10
        if (k == 0) printf "%d*%d+7\n", i, i
        else if (k == 1) printf "(%d+3)*(%d-2)\n", i, i
        else if (k == 2) {
            if (dialect == "bc") printf "m(%d, 97)\n", i
            else printf "%d%%97\n", i
        }
        else if (k == 3) {
            # i^3 stays below 2^53 for i up to 200,000, so the double is exact.
            c = sprintf("%.0f", i * i * i)
            printf "%s*%s*%s-%d\n", c, c, c, i
        }
        else if (k == 4) printf "%d^%d\n", i % 50 + 2, i % 40 + 10
        else if (k == 5) {
            if (dialect == "bc") printf "f(%d)\n", i % 20 + 1
            else printf "%d!\n", i % 20 + 1
        }
        else if (k == 6) printf "(%d*%d*%d+%d)/%d\n", i, i, i, i, i
        else if (k == 7) printf "(13*%d+1)/%d\n", i, i % 9 + 3
        else if (k == 8) printf "%d-%d*%d\n", i, i, i
        else printf "%d/8\n", i
    }
}
