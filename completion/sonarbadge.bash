# bash completion for sonarbadge(1)                        -*- shell-script -*-
# Installed as share/bash-completion/completions/sonarbadge; to try it by
# hand: source completion/sonarbadge.bash
# Commands, global and per-command options, the values of --auth, --format
# and --metric, files and folders for the options that take them. Works
# with or without the bash-completion package (its _filedir is used when
# present). tests/pkg/completion_test.py checks it against --help.

_sonarbadge_commands="token renew urls rotate rewrite check fetch projects help"

_sonarbadge_global_opts="--url --token-file --auth --organization --cacert
--capath -k --insecure --connect-timeout --max-time --retry
--retry-connrefused --retry-max-wait --proxy --proxy-user-file --noproxy
-p --proxytunnel --resolve --pinnedpubkey --cert --key
--key-passphrase-file -v --verbose -q --quiet -h --help -V --version"

# The metric names of api/project_badges/measure, in the library's order.
_sonarbadge_metrics="alert_status coverage duplicated_lines_density ncloc
security_hotspots bugs code_smells vulnerabilities sqale_rating
reliability_rating security_rating sqale_index
software_quality_reliability_issues software_quality_maintainability_issues
software_quality_security_issues software_quality_maintainability_rating
software_quality_reliability_rating software_quality_security_rating
software_quality_maintainability_remediation_effort"

# _sonarbadge_command_opts COMMAND: the options of that command.
_sonarbadge_command_opts()
{
	case $1 in
	urls) echo "--branch --metric --format" ;;
	rotate) echo "--all --query --projects-only --from --state --older-than
--lock-timeout --jobs --rewrite --dry-run --json" ;;
	rewrite) echo "--project --check --add-token" ;;
	fetch) echo "--metric --quality-gate --branch -o --output" ;;
	projects) echo "--query --projects-only" ;;
	esac
}

# _sonarbadge_takes_value OPTION: true when OPTION takes a value.
_sonarbadge_takes_value()
{
	case $1 in
	--url | --token-file | --auth | --organization | --cacert | --capath | \
		--connect-timeout | --max-time | --retry | --retry-max-wait | \
		--proxy | --proxy-user-file | --noproxy | --resolve | \
		--pinnedpubkey | --cert | --key | --key-passphrase-file | \
		--branch | --metric | --format | --query | --from | --state | \
		--older-than | --lock-timeout | --jobs | --rewrite | --project | \
		-o | --output)
		return 0
		;;
	esac
	return 1
}

# _sonarbadge_reply WORDS...: COMPREPLY gets those that start with $cur.
_sonarbadge_reply()
{
	local IFS=$' \t\n'
	# shellcheck disable=SC2207 # the words hold no blanks or globs
	COMPREPLY=($(compgen -W "$*" -- "$cur"))
}

# _sonarbadge_files [-d]: file names (folders only with -d).
_sonarbadge_files()
{
	if declare -F _filedir >/dev/null 2>&1; then
		if [ "${1:-}" = -d ]; then _filedir -d; else _filedir; fi
		return
	fi
	compopt -o filenames 2>/dev/null
	if [ "${1:-}" = -d ]; then
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
}

_sonarbadge()
{
	local cur prev command="" i word
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=""
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# "--opt=value": bash splits it at '=' (COMP_WORDBREAKS).
	if [ "$cur" = "=" ]; then
		cur=""
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	case $cur in
	--*=*)
		prev=${cur%%=*}
		cur=${cur#*=}
		;;
	esac

	# The command: the first known command name that is not the value of
	# an option (a value such as a URL may span words split at ':').
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if _sonarbadge_takes_value "$word"; then
			i=$((i + 1))
			continue
		fi
		case " $_sonarbadge_commands " in
		*" $word "*)
			command=$word
			break
			;;
		esac
	done

	case $prev in
	--auth)
		_sonarbadge_reply basic bearer
		return
		;;
	--format)
		_sonarbadge_reply markdown url json
		return
		;;
	--metric)
		if [ "$command" = fetch ]; then
			_sonarbadge_reply "$_sonarbadge_metrics"
		else
			_sonarbadge_reply "$_sonarbadge_metrics" quality_gate
		fi
		return
		;;
	--token-file | --cacert | --cert | --key | --key-passphrase-file | \
		--proxy-user-file | --from | --state | --rewrite | -o | --output)
		_sonarbadge_files
		return
		;;
	--capath)
		_sonarbadge_files -d
		return
		;;
	esac
	if _sonarbadge_takes_value "$prev"; then
		return # a URL, a number, a name: nothing to offer
	fi

	if [[ $cur == -* ]]; then
		_sonarbadge_reply "$_sonarbadge_global_opts" \
			"$(_sonarbadge_command_opts "$command")"
		return
	fi
	case $command in
	"")
		_sonarbadge_reply "$_sonarbadge_commands"
		;;
	help)
		[ "$prev" = help ] && _sonarbadge_reply "$_sonarbadge_commands"
		;;
	rewrite | check)
		_sonarbadge_files
		;;
	esac
}

complete -F _sonarbadge sonarbadge
