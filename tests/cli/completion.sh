#!/usr/bin/env bash
# The bash completion offers what the program takes: every command and every long option of
# `help COMMAND` (read from the program, so a new option without completion fails), the export
# formats and the --against values; the completion file is installed to bash-completion's folder.
. "$(dirname "$0")/lib.sh"
comp="$SOURCE_ROOT/packaging/completion/bbmri-dirsync.bash"
[ -f "$comp" ] || { fail "no $comp"; finish; }

# complete WORDS...: what the completion offers for the last word.
complete_words() {
        bash -c '
                source "$1"; shift
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
                _bbmri_dirsync
                printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@" | sort | tr '\n' ' '
}

commands=$("$PROGRAM" --help | sed -n '/^Commands:/,/^Options:/p' | grep -oE '^  [a-z]+' | tr -d ' ' | sort | tr '\n' ' ')
[ "$(complete_words bbmri-dirsync '')" = "$commands" ] || fail "commands offered: '$(complete_words bbmri-dirsync '')', expected '$commands'"
[ "$(complete_words bbmri-dirsync -v '')" = "$commands" ] || fail "commands are not offered after a global option"
[ "$(complete_words bbmri-dirsync help '')" = "$commands" ] || fail "help does not offer the commands"

for c in $commands; do
        [ "$c" = help ] && continue
        offered=$(complete_words bbmri-dirsync -c x.yaml "$c" --)
        for opt in $("$PROGRAM" help "$c" | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
                case " $offered " in
                *" $opt "*) ;;
                *) fail "'$c --' does not offer $opt (offered: $offered)" ;;
                esac
        done
done
[ "$(complete_words bbmri-dirsync export -f '')" = "emx2-csv emx2-zip miabis-xml " ] || fail "export -f does not offer the formats"
[ "$(complete_words bbmri-dirsync diff --against '')" = "published staging " ] || fail "--against does not offer the schemas"
[ "$(complete_words bbmri-dirsync --color '')" = "always auto never " ] || fail "--color does not offer its values"
[ "$(complete_words bbmri-dirsync --log-target '')" = "auto console journal " ] || fail "--log-target does not offer its values"
case " $(complete_words bbmri-dirsync sync --) " in *" --json "*) ;; *) fail "sync -- does not offer --json" ;; esac
case " $(complete_words bbmri-dirsync sync --) " in *" --format "*) fail "sync -- offers export's --format" ;; esac

# Installed where bash-completion looks, under the program's name.
dest=$(mktemp -d)
trap 'rm -rf "$WORK" "$dest"' EXIT
BUILD_ROOT=${3:?build root}
if meson install -C "$BUILD_ROOT" --destdir "$dest" --no-rebuild --quiet >/dev/null 2>&1; then
        found=$(cd "$dest" && find . -path '*bash-completion/completions/bbmri-dirsync' | head -1)
        [ -n "$found" ] || fail "meson install puts no bash-completion/completions/bbmri-dirsync"
        [ -n "$found" ] && ! cmp -s "$dest/$found" "$comp" && fail "the installed completion differs from $comp"
        zsh_found=$(cd "$dest" && find . -path '*zsh/vendor-completions/_bbmri-dirsync' | head -1)
        [ -n "$zsh_found" ] || fail "meson install puts no zsh/vendor-completions/_bbmri-dirsync"
else
        fail "meson install into a scratch folder failed"
fi
finish
