/* The smallest useful static glibc program: the floor under any static binary on scratch. */
#include <stdio.h>

int main(void) {
    puts("hello");
    return 0;
}
