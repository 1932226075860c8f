# fish completion for pantherctl(1)

# The words typed before the cursor, without the command and global options.
function __pantherctl_words
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for w in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $w
            case --config
                set skip 1
            case '--config=*' --json -h --help --version
            case '*'
                printf '%s\n' $w
        end
    end
end

# __pantherctl_at N [WORD...]: N words are typed and the first ones are WORDs.
function __pantherctl_at
    set -l words (__pantherctl_words)
    test (count $words) -eq $argv[1]; or return 1
    set -e argv[1]
    for i in (seq (count $argv))
        test "$words[$i]" = "$argv[$i]"; or return 1
    end
end

# The profiles the backend offers, else the three names.
function __pantherctl_profiles
    set -l out (command timeout 2 pantherctl power list 2>/dev/null)
    set -l found
    for p in power-saver balanced performance
        if string match -qr -- "(^|[^a-z-])$p([^a-z-]|\$)" $out
            set -a found $p
        end
    end
    test (count $found) -gt 0; or set found power-saver balanced performance
    printf '%s\n' $found
end

# The services panther-session supervises, when it runs.
function __pantherctl_services
    command timeout 2 pantherctl --json session status 2>/dev/null |
        string match -ar '"name":"[^"]*"' | string replace -r '^"name":"(.*)"$' '$1'
end

complete -c pantherctl -f
complete -c pantherctl -l json -d 'Machine-readable output'
complete -c pantherctl -l config -r -F -d 'Use FILE instead of ~/.config/panther/config.json'
complete -c pantherctl -s h -l help -d 'Show the help'
complete -c pantherctl -l version -d 'Print the version'

complete -c pantherctl -n '__pantherctl_at 0' -a power -d 'Show or choose the power profile'
complete -c pantherctl -n '__pantherctl_at 0' -a session -d 'The services of panther-session'
complete -c pantherctl -n '__pantherctl_at 0' -a polkit -d 'The polkit agent and its requests'
complete -c pantherctl -n '__pantherctl_at 0' -a check-config -d 'Check config.json'
complete -c pantherctl -n '__pantherctl_at 0' -a doctor -d 'Check the session and say what to fix'
complete -c pantherctl -n '__pantherctl_at 0' -a version -d 'Print the version'
complete -c pantherctl -n '__pantherctl_at 0' -a help -d 'Show the help'

complete -c pantherctl -n '__pantherctl_at 1 power' -a get -d 'Print the active profile'
complete -c pantherctl -n '__pantherctl_at 1 power' -a list -d 'List the profiles offered'
complete -c pantherctl -n '__pantherctl_at 1 power' -a set -d 'Choose a profile by hand'
complete -c pantherctl -n '__pantherctl_at 1 power' -a cycle -d 'Switch to the next profile'
complete -c pantherctl -n '__pantherctl_at 1 power' -a auto -d 'Go back to the automatic policy'
complete -c pantherctl -n '__pantherctl_at 1 power' -a status -d 'Profile, mode and power source'
complete -c pantherctl -n '__pantherctl_at 2 power set' -a '(__pantherctl_profiles)' -d Profile

complete -c pantherctl -n '__pantherctl_at 1 session' -a status -d 'The services and their state'
complete -c pantherctl -n '__pantherctl_at 1 session' -a restart -d 'Restart one service'
complete -c pantherctl -n '__pantherctl_at 1 session' -a stop -d 'End the session'
complete -c pantherctl -n '__pantherctl_at 2 session restart' -a '(__pantherctl_services)' -d Service

complete -c pantherctl -n '__pantherctl_at 1 polkit' -a status -d 'Registration, pending requests, 1Password'
complete -c pantherctl -n '__pantherctl_at 1 polkit' -a forget -d "End 1Password's authorization of panther"

complete -c pantherctl -n '__pantherctl_at 1 check-config' -F

complete -c pantherctl -n '__pantherctl_at 1 doctor' -l try-1password -d 'Read the reference once with op (asks for approval)'
