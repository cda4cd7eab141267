#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Bad domain configurations through `xhv create`: each is refused with exit
# 1 and an error that points at the offending place (FILE:LINE:COL), and
# nothing is left behind. Then the refusals that only xhvd can make: a
# name in use, memory the machine does not have.
set -u
. "$(dirname "$0")/lib.sh"

start_xhvd
ok $? "xhvd starts" || { done_testing; exit 1; }
free0=$(free_mib)

cd "$WORK" || exit 1
mkkernel vmlinuz
mkdir kdir

# bad NAME CONTENT REGEX [KEY=VALUE...]: CONTENT (printf %b) in NAME.cfg
# must be refused with exit 1 and one line of stderr matching REGEX.
bad() {
    local name=$1 content=$2 re=$3
    shift 3
    printf '%b' "$content" >"$name.cfg"
    x create -q "$name.cfg" "$@"
    is "$RC" 1 "$name: create exits 1"
    if [ "$(wc -l <<<"$ERR")" -eq 1 ]; then
        like "$ERR" "$re" "$name: $re"
    else
        ok 1 "$name: one line of error"
        diag "$ERR"
    fi
}
head='name = "web1"\nmemory = 8\nkernel = "vmlinuz"\n'

bad unterminated 'name = "web1\nmemory = 8\nkernel = "vmlinuz"\n' \
    '^unterminated\.cfg:1:8: unterminated string'
bad unterminated-list "${head}cmdline = [\"a\", \"b\"\n" \
    '^unterminated-list\.cfg:4:'
bad missing-equals 'name = "web1"\nmemory 8\nkernel = "vmlinuz"\n' \
    "^missing-equals\\.cfg:2:8: expected '=' after 'memory', found number '8'\$"
bad unknown-key 'name = "web1"\nmemroy = 8\nkernel = "vmlinuz"\n' \
    "^unknown-key\\.cfg:2:1: unknown setting 'memroy' \\(did you mean 'memory'\\?\\)\$"
bad unsupported-key "${head}vif = [ \"bridge=xenbr0\" ]\n" \
    "^unsupported-key\\.cfg:4:1: setting 'vif' is not supported by xhv yet\$"
bad memory-zero 'name = "web1"\nmemory = 0\nkernel = "vmlinuz"\n' \
    "^memory-zero\\.cfg:2:1: 'memory' must be between 1 and [0-9]+ \\(MiB\\), not 0\$"
bad memory-negative 'name = "web1"\nmemory = -8\nkernel = "vmlinuz"\n' \
    "^memory-negative\\.cfg:2:10: unexpected character '-'"
bad maxmem-below "${head}  maxmem = 4\n" \
    '^maxmem-below\.cfg:4:3: maxmem \(4 MiB\) is less than memory \(8 MiB\)$'
bad vcpus-zero "${head}vcpus = 0\n" \
    "^vcpus-zero\\.cfg:4:1: 'vcpus' must be between 1 and [0-9]+, not 0\$"
bad name-digits 'name = "123"\nmemory = 8\nkernel = "vmlinuz"\n' \
    "^name-digits\\.cfg:1:1: name '123' is all digits"
bad name-slash 'name = "web/1"\nmemory = 8\nkernel = "vmlinuz"\n' \
    "^name-slash\\.cfg:1:1: name contains '/'"
bad type-hvm "${head}type = \"hvm\"\n" \
    '^type-hvm\.cfg:4:1: type "hvm" is not supported'
bad no-kernel 'name = "web1"\nmemory = 8\n' \
    "^no-kernel\\.cfg: missing required setting 'kernel'\$"
bad kernel-missing 'name = "web1"\nmemory = 8\n\n   kernel = "nonexistent"\n' \
    "^kernel-missing\\.cfg:4:4: kernel 'nonexistent': No such file or directory\$"
bad kernel-list 'name = "web1"\nmemory = 8\nkernel = ["vmlinuz"]\n' \
    "^kernel-list\\.cfg:3:1: 'kernel' must be a string, not a list\$"
bad nul-byte 'name = "web1"\nmemory = 8\nkernel = "vm\0linuz"\n' \
    '^nul-byte\.cfg:3:13: NUL byte in input$'
bad trailing-junk 'name = "web1" junk\nmemory = 8\nkernel = "vmlinuz"\n' \
    "^trailing-junk\\.cfg:1:15: expected end of line or ';'"
bad bad-action "${head}on_crash = \"explode\"\n" \
    "^bad-action\\.cfg:4:1: unknown action 'explode' for on_crash"
bad vcpus-string 'name = "web1"; memory = 8; kernel = "vmlinuz"; vcpus = "x"\n' \
    "^vcpus-string\\.cfg:1:48: 'vcpus' must be a number, not 'x'\$"
bad override-abc "$head" \
    "^<command line>: 'memory' must be a number \\(MiB\\), not 'abc'\$" memory=abc
bad override-empty "$head" \
    '^<command line>:1:6: missing value' vcpus=
bad override-name "$head" \
    "^<command line>: name contains '/'" name=a/b
x create -q nonexistent.cfg
is "$RC:$ERR" "1:nonexistent.cfg: cannot open: No such file or directory" \
    "a missing config file: exit 1 and why"
x create -q "$WORK"
like "$RC:$ERR" "^1:$WORK: cannot read" "a directory as config file: exit 1 and why"
# xhvd checks the kernel again and says why.
printf '%b' "$head" >good.cfg
x create -q good.cfg kernel=kdir
is "$RC" 1 "a directory as the kernel: exit 1"
like "$ERR" "kernel '$WORK/kdir' is not a regular file \\(EINVAL\\)" "... xhvd says it is not a regular file"

x list
is "$OUT" "$(head -1 <<<"$OUT")" "after all that, no domain exists"
x dmesg
unlike "$OUT" 'created' "... and none was ever created"
x audit
is "$RC" 0 "audit is clean"
is "$(free_mib)" "$free0" "free memory is untouched"

# ---- What only xhvd can refuse ----
cp good.cfg web1.cfg
x create -q web1.cfg
is "$RC" 0 "a good web1 is created"
row1=$("$XHV" list | grep '^web1 ')
dump1=$("$XHV" dump web1)
free1=$(free_mib)
x create -q web1.cfg memory=16
is "$RC" 1 "a second web1: exit 1"
like "$ERR" "a domain named 'web1' already exists \\(EEXIST\\)" "... with EEXIST"
is "$("$XHV" list | tail -n +2)" "$row1" "the first web1 is untouched and alone"
is "$("$XHV" dump web1)" "$dump1" "... down to its pages"
is "$(free_mib)" "$free1" "the refused one took no memory"

x create -q web1.cfg name=huge memory=100000
is "$RC" 1 "a domain larger than the machine: exit 1"
like "$ERR" 'not enough free memory for 100000 MiB \(ENOMEM\)' "... with ENOMEM"
x create -q web1.cfg name=vast memory=1000000
is "$RC" 1 "a domain larger than a domain's address space: exit 1"
like "$ERR" 'MiB .*\(EINVAL\)' "... with EINVAL and a reason"
x list
is "$(tail -n +2 <<<"$OUT" | awk '{print $1}')" "web1" "nothing of them is left behind"
is "$(free_mib)" "$free1" "free memory is as before them"
x audit
is "$RC" 0 "audit is clean"
"$XHV" destroy web1
is "$(free_mib)" "$free0" "destroying web1 gives everything back"

cd / || exit 1
stop_xhvd
done_testing
