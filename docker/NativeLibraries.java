import ai.djl.engine.Engine;
import ai.djl.util.Utils;

/**
 * Puts DJL's native libraries (libtorch, its JNI glue, the tokenizers library) into DJL_CACHE_DIR
 * and exits. The image build runs it with the JDK's source launcher, so a container does not unpack
 * about 445 MB on its first start. With ai.djl.offline=false and PYTORCH_FLAVOR set (the CUDA image)
 * DJL downloads that build of libtorch instead of unpacking the CPU one from the class path.
 */
public class NativeLibraries {

    public static void main(String[] args) {
        ai.djl.huggingface.tokenizers.jni.LibUtils.checkStatus();
        Engine pytorch = Engine.getEngine("PyTorch");
        System.out.println("PyTorch " + pytorch.getVersion() + " native libraries in " + Utils.getEngineCacheDir("pytorch"));
    }
}
