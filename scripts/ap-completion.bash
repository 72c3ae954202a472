# bash completion for ap: subcommands and options are read from `ap --help`
# and `ap <command> --help`, so they always match the installed version.
_ap_complete() {
  local cur=${COMP_WORDS[COMP_CWORD]} cmd="" word
  for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    [[ $word != -* ]] && { cmd=$word; break; }
  done
  if [[ -z $cmd && $cur != -* ]]; then
    local commands
    commands=$(ap --help 2>/dev/null | awk '/^Subcommands:/{on=1; next} on && NF {print $1}')
    COMPREPLY=($(compgen -W "$commands" -- "$cur"))
  elif [[ $cur == -* ]]; then
    local options
    options=$(ap ${cmd:+"$cmd"} --help 2>/dev/null | grep -oE -- '--?[A-Za-z][A-Za-z0-9_-]*' | sort -u)
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _ap_complete ap
