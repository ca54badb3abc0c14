# SPDX-License-Identifier: MIT
# bash completion for bbmri-dirsync: commands, options (global ones anywhere), export formats,
# --against/--from schemas, --log-target and --color values, files after -c/-o.
_bbmri_dirsync() {
        local cur prev words cword
        _init_completion 2>/dev/null || {
                cur=${COMP_WORDS[COMP_CWORD]}
                prev=${COMP_WORDS[COMP_CWORD - 1]}
                words=("${COMP_WORDS[@]}")
                cword=$COMP_CWORD
        }
        local commands="pull schema check export diff sync status daemon help"
        local global="--config -c --log-target --color --verbose -v --quiet -q --help -h --version"

        case $prev in
        -c | --config | -o | --output)
                COMPREPLY=($(compgen -f -- "$cur"))
                return ;;
        -f | --format)
                COMPREPLY=($(compgen -W "emx2-csv emx2-zip miabis-xml" -- "$cur"))
                return ;;
        --against | --from)
                COMPREPLY=($(compgen -W "staging published" -- "$cur"))
                return ;;
        --log-target)
                COMPREPLY=($(compgen -W "auto journal console" -- "$cur"))
                return ;;
        --color)
                COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
                return ;;
        esac

        # The command: the first word that is neither an option nor an option's value.
        local i command=
        for ((i = 1; i < cword; i++)); do
                case ${words[i]} in
                -c | --config | -o | --output | -f | --format | --against | --from | --log-target | --color)
                        ((i++)) ;;
                -*) ;;
                *)
                        command=${words[i]}
                        break ;;
                esac
        done

        local own=
        case $command in
        pull) own="--from --output -o --force --json" ;;
        schema) own="--output -o" ;;
        check) own="--strict --json" ;;
        export) own="--format -f --output -o" ;;
        diff) own="--against --json" ;;
        sync) own="--dry-run --force --json" ;;
        status) own="--json" ;;
        help)
                COMPREPLY=($(compgen -W "$commands" -- "$cur"))
                return ;;
        esac

        if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$own $global" -- "$cur"))
        elif [[ -z $command ]]; then
                COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
}
complete -F _bbmri_dirsync bbmri-dirsync
