# Sourced by the benchmark scripts: start_s3proxy WORK PORT starts S3Proxy (filesystem backend under WORK/s3,
# SigV4 identity bench / bench-secret) on 127.0.0.1:PORT in the background and sets S3PROXY_PID.
start_s3proxy() {
  local work=$1 port=$2
  mkdir -p "$work/s3"
  cat > "$work/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench
s3proxy.credential=bench-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$work/s3
PROPS
  java -Xmx256m -jar "$S3PROXY_JAR" --properties "$work/s3proxy.properties" >"$work/s3proxy.log" 2>&1 &
  S3PROXY_PID=$!
}
