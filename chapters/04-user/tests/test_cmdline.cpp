/**
 * @file chapters/04-user/tests/test_cmdline.cpp
 * @brief proc/cmdline.cpp: GRUB's quoting undone, and the words sorted
 * into the environment and the arguments.
 *
 * The quoted lines are what GRUB 2.06 really hands over: each was read
 * back from the kernel's `[Boot] Module` line after booting a grub.cfg
 * with the words on the right of the comment.
 */
#include <criterion/criterion.h>

#include <memory>
#include <string>

#include "proc/cmdline.cpp"

namespace {

std::unique_ptr<CommandLine> parsed(const char* line) {
    auto out = std::make_unique<CommandLine>();
    const Result<void, const char*> r = parse_command_line(line, *out);
    cr_assert(r.has_value(), "refused \"%s\": %s", line, r ? "" : r.error());
    return out;
}

std::string str(StringView v) { return std::string(v.data(), v.size()); }

const char* refusal(const char* line) {
    static CommandLine out;
    const Result<void, const char*> r = parse_command_line(line, out);
    cr_assert(!r.has_value(), "accepted \"%s\"", line);
    return r.error();
}

}  // namespace

Test(cmdline, plain_words) {
    auto c = parsed("hello one  two\tthree");
    cr_assert_eq(c->argc, 4u);
    cr_expect_eq(str(c->argv[0]), "hello");
    cr_expect_eq(str(c->argv[3]), "three");
    cr_expect_eq(c->argv[1].data()[c->argv[1].size()], '\0', "each word ends in a NUL");
}

Test(cmdline, grub_quoting_undone) {
    // grub.cfg: argv 'two words' "it's" 'say "hi"' back\\slash
    auto c = parsed(R"(argv "two words" it\'s "say \"hi\"" back\\slash)");
    cr_assert_eq(c->argc, 5u);
    cr_expect_eq(str(c->argv[1]), "two words");
    cr_expect_eq(str(c->argv[2]), "it's");
    cr_expect_eq(str(c->argv[3]), "say \"hi\"");
    cr_expect_eq(str(c->argv[4]), "back\\slash");
}

Test(cmdline, quotes_join_parts_of_one_word) {
    auto c = parsed(R"(p a"b c"d)");
    cr_assert_eq(c->argc, 2u);
    cr_expect_eq(str(c->argv[1]), "ab cd");
}

Test(cmdline, default_environment) {
    auto c = parsed("hello");
    cr_assert_eq(c->envc, 3u);
    cr_expect_eq(str(c->envp[0]), "PATH=/bin");
    cr_expect_eq(str(c->envp[1]), "HOME=/");
    cr_expect_eq(str(c->envp[2]), "TERM=linux");
}

Test(cmdline, leading_assignments_are_the_environment) {
    auto c = parsed("LANG=C HOME=/root prog x=1 y");
    cr_assert_eq(c->envc, 4u);
    cr_expect_eq(str(c->envp[1]), "HOME=/root", "a default replaced in its place");
    cr_expect_eq(str(c->envp[3]), "LANG=C", "a new name at the end");
    cr_assert_eq(c->argc, 3u);
    cr_expect_eq(str(c->argv[0]), "prog");
    cr_expect_eq(str(c->argv[1]), "x=1", "after the name, a word with '=' is an argument");
}

Test(cmdline, a_name_given_twice_keeps_the_last_value) {
    auto c = parsed("A=1 A=2 prog");
    cr_assert_eq(c->envc, 4u);
    cr_expect_eq(str(c->envp[3]), "A=2");
}

Test(cmdline, refusals) {
    cr_expect_str_eq(refusal(""), "no program name on the command line");
    cr_expect_str_eq(refusal("A=1 B=2"), "no program name on the command line");
    cr_expect_str_eq(refusal("prog \"open"), "a quote is not closed on the command line");
}

Test(cmdline, limits) {
    std::string many = "prog";
    for (size_t i = 1; i < CommandLine::kMaxWords; ++i) many += " w";
    cr_expect_eq(parsed(many.c_str())->argc, CommandLine::kMaxWords, "exactly the most words");
    many += " w";
    cr_expect_str_eq(refusal(many.c_str()), "too many words on the command line");

    std::string longest = "prog " + std::string(CommandLine::kMaxBytes - 6, 'x');  // + two NULs: all the bytes
    cr_expect_eq(parsed(longest.c_str())->argv[1].size(), CommandLine::kMaxBytes - 6);
    longest += "x";
    cr_expect_str_eq(refusal(longest.c_str()), "command line too long");
}
