# Sourced by the benchmarks that start the service as `./mvnw spring-boot:run` does (compare.sh,
# warmup.sh, service-lib.sh): its JVM options, pom.xml's jvmArguments (keep the two alike). One
# PyTorch thread per predictor, offline; a 1 GB heap (what the image takes under the k8s limit; G1
# keeps a smaller heap on the cached path); C2's thresholds at a quarter; the JIT's queue free to
# drop the start-up's methods once they stop running (docs/performance.md).
# shellcheck disable=SC2034 # used by the scripts that source this
SERVICE_JVM_OPTS=(-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1
  -Xmx1g -XX:CompileThresholdScaling=0.25 -XX:+UnlockDiagnosticVMOptions -XX:TieredOldPercentage=100000)
# Its allocator, pom.xml's jemalloc profile (keep the two alike): where Debian's libjemalloc2 is
# installed, spring-boot:run and the container image preload it for libtorch's tensors; the
# benchmarks do too, unless SERVICE_ALLOCATOR=glibc. SERVICE_ALLOCATOR then names what they ran.
SERVICE_PRELOAD_LIB=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
SERVICE_PRELOAD=()
if [ "${SERVICE_ALLOCATOR:-}" != glibc ] && [ -e "$SERVICE_PRELOAD_LIB" ]; then
  SERVICE_PRELOAD=(LD_PRELOAD="$SERVICE_PRELOAD_LIB")
  SERVICE_ALLOCATOR=jemalloc
else
  SERVICE_ALLOCATOR=glibc
fi
