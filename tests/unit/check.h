/*
 * check.h - the unit tests' assertions.
 *
 * A test file is a list of TEST(sentence_like_name) functions and a main
 * that RUNs each, then returns check_exit().  A failed CHECK prints
 * "file:line: ..." with the expression and the values it saw, marks the
 * current test failed and goes on; check_exit() is 1 if any check failed.
 * REQUIRE is a CHECK that also leaves the test function at once (for a
 * NULL that the rest would dereference).
 *
 * Failures go to stdout, so that a test that captures stderr (the
 * compiler's diagnostics) never swallows them.
 */
#ifndef KCC_UNIT_CHECK_H
#define KCC_UNIT_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failed_total;  /* failed checks in the whole program */
static int check_failed_test;   /* failed checks in the current test */
static int check_count;         /* checks run */

static inline void check_fail_head(const char *file, int line)
{
    check_failed_total++;
    check_failed_test++;
    printf("%s:%d: check failed: ", file, line);
}

#define CHECK(cond)                                                            \
    do {                                                                       \
        check_count++;                                                         \
        if (!(cond)) {                                                         \
            check_fail_head(__FILE__, __LINE__);                               \
            printf("%s\n", #cond);                                             \
        }                                                                      \
    } while (0)

#define CHECK_INT(a, b)                                                        \
    do {                                                                       \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);        \
        check_count++;                                                         \
        if (check_a_ != check_b_) {                                            \
            check_fail_head(__FILE__, __LINE__);                               \
            printf("%s == %s\n    got %lld, expected %lld\n", #a, #b,          \
                   check_a_, check_b_);                                        \
        }                                                                      \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *check_a_ = (a), *check_b_ = (b);                           \
        check_count++;                                                         \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {       \
            check_fail_head(__FILE__, __LINE__);                               \
            printf("%s == %s\n    got      \"%s\"\n    expected \"%s\"\n", #a,  \
                   #b, check_a_ ? check_a_ : "(null)",                         \
                   check_b_ ? check_b_ : "(null)");                            \
        }                                                                      \
    } while (0)

/* Does string a contain b? */
#define CHECK_CONTAINS(a, b)                                                   \
    do {                                                                       \
        const char *check_a_ = (a), *check_b_ = (b);                           \
        check_count++;                                                         \
        if (!check_a_ || !strstr(check_a_, check_b_)) {                        \
            check_fail_head(__FILE__, __LINE__);                               \
            printf("%s contains %s\n    text  \"%s\"\n    lacks \"%s\"\n", #a,  \
                   #b, check_a_ ? check_a_ : "(null)", check_b_);              \
        }                                                                      \
    } while (0)

/* |a - b| <= tol; NaNs fail. */
#define CHECK_NEAR(a, b, tol)                                                  \
    do {                                                                       \
        double check_a_ = (a), check_b_ = (b), check_t_ = (tol);               \
        check_count++;                                                         \
        if (!(fabs(check_a_ - check_b_) <= check_t_)) {                        \
            check_fail_head(__FILE__, __LINE__);                               \
            printf("%s == %s within %s\n    got %.17g, expected %.17g "         \
                   "(difference %.3g)\n", #a, #b, #tol, check_a_, check_b_,     \
                   fabs(check_a_ - check_b_));                                 \
        }                                                                      \
    } while (0)

/* Exactly equal doubles (same bits for zeros and NaNs is not asked). */
#define CHECK_DOUBLE(a, b)                                                     \
    do {                                                                       \
        double check_a_ = (a), check_b_ = (b);                                 \
        check_count++;                                                         \
        if (!(check_a_ == check_b_)) {                                         \
            check_fail_head(__FILE__, __LINE__);                               \
            printf("%s == %s\n    got %.17g, expected %.17g\n", #a, #b,         \
                   check_a_, check_b_);                                        \
        }                                                                      \
    } while (0)

/* A CHECK that returns from the test function when it fails. */
#define REQUIRE(cond)                                                          \
    do {                                                                       \
        int check_before_ = check_failed_test;                                 \
        CHECK(cond);                                                           \
        if (check_failed_test != check_before_)                                \
            return;                                                            \
    } while (0)

#define TEST(name) static void name(void)

/* Runs one test and prints its name as a sentence. */
static inline void check_run(const char *name, void (*fn)(void))
{
    check_failed_test = 0;
    int before = check_count;
    fn();
    if (check_count == before) { /* a test that checks nothing is broken */
        printf("%s: ran no checks\n", name);
        check_failed_test++;
        check_failed_total++;
    }
    char sentence[256];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof sentence; i++)
        sentence[i] = name[i] == '_' ? ' ' : name[i];
    sentence[i] = '\0';
    printf("%s: %s\n", check_failed_test ? "FAIL" : "ok  ", sentence);
    fflush(stdout);
}

#define RUN(name) check_run(#name, name)

/* main's return value: 0 when every check passed. */
static inline int check_exit(void)
{
    printf("%d checks, %d failed\n", check_count, check_failed_total);
    return check_failed_total ? 1 : 0;
}

#endif /* KCC_UNIT_CHECK_H */
