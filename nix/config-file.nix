# config.json as a file in the store. The build fails, with pantherctl's
# one-line reason, when `pantherctl check-config` refuses the document.
{ runCommand, package }:
settings:
runCommand "panther-config.json"
  {
    nativeBuildInputs = [ package ];
    json = builtins.toJSON settings;
    passAsFile = [ "json" ];
  }
  ''
    pantherctl check-config "$jsonPath"
    cp "$jsonPath" "$out"
  ''
