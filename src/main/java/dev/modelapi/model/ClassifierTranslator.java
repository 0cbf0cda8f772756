package dev.modelapi.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import ai.djl.modality.Classifications;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * DJL's text-classification translator ({@code TextClassificationTranslator}) with the same inputs
 * and outputs, minus the work a classifier never reads. DJL's copies every token's string and
 * character span out of the tokenizer (a fifth of its tokenising time), stacks one array per text
 * into the batch and runs softmax and a sort per text as separate libtorch calls. This one takes
 * only the ids, the attention mask and (if the model wants them) the token types, builds each batch
 * input as one array, and turns the batch's logits into probabilities in Java.
 *
 * <p>It also tokenises less of a long text. A model reads at most {@code maxLength} tokens, yet the
 * tokenizer splits the whole text before it truncates. A text longer than {@link #cutChars()} is cut
 * just before an ASCII whitespace that follows a letter or digit; every pre-tokenizer of
 * the HuggingFace family (BERT's, byte-level BPE's, Metaspace) ends a piece there, and the
 * normalizers work per character, so the cut text's tokens are the full text's first tokens. When
 * the cut text still fills the model's window (the tokenizer reports overflowing tokens), its
 * truncated encoding is the full text's; otherwise the full text is tokenised again. The
 * equivalence is tested on the held-out split for every demo tokenizer.
 */
final class ClassifierTranslator implements Translator<String, Classifications> {

    /** Cut texts at this many characters per token of the model's window: no e-mail of the test split needed more. */
    static final int CUT_CHARS_PER_TOKEN = 5;

    private final HuggingFaceTokenizer tokenizer;
    private final List<String> labels;
    private final boolean sigmoid;
    private final boolean includeTokenTypes;
    private final boolean int32;
    private final boolean addSpecialTokens;
    private final Locale lowerCase;
    private final int cutChars;

    /**
     * @param tokenizer built from the model's {@code tokenizer.json} and {@code serving.properties}
     * @param labels the labels in id order
     * @param sigmoid whether scores are independent (multi-label, or one logit) instead of a softmax
     * @param lowerCase the locale to lowercase texts in before tokenising (DJL's doLowerCase), or null
     * @param maxLength the most tokens the tokenizer keeps (its truncation); 0 or less: never cut
     */
    ClassifierTranslator(HuggingFaceTokenizer tokenizer, List<String> labels, boolean sigmoid,
            boolean includeTokenTypes, boolean int32, boolean addSpecialTokens, Locale lowerCase, int maxLength) {
        this.tokenizer = tokenizer;
        this.labels = List.copyOf(labels);
        this.sigmoid = sigmoid;
        this.includeTokenTypes = includeTokenTypes;
        this.int32 = int32;
        this.addSpecialTokens = addSpecialTokens;
        this.lowerCase = lowerCase;
        this.cutChars = maxLength > 0 ? maxLength * CUT_CHARS_PER_TOKEN : Integer.MAX_VALUE;
    }

    /** Texts longer than this are tokenised from a cut first. */
    int cutChars() {
        return cutChars;
    }

    /** Not used: {@link #batchProcessInput} builds the batch itself; non-null so that DJL takes the batch path. */
    @Override
    public Batchifier getBatchifier() {
        return Batchifier.STACK;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, String input) {
        Encoded encoded = encode(List.of(input));
        return encoded.toNDList(ctx.getNDManager(), new Shape(encoded.length()), int32);
    }

    @Override
    public NDList batchProcessInput(TranslatorContext ctx, List<String> inputs) {
        Encoded encoded = encode(inputs);
        return encoded.toNDList(ctx.getNDManager(), new Shape(inputs.size(), encoded.length()), int32);
    }

    @Override
    public Classifications processOutput(TranslatorContext ctx, NDList list) {
        return classifications(list.get(0).toFloatArray(), 1).get(0);
    }

    @Override
    public List<Classifications> batchProcessOutput(TranslatorContext ctx, NDList list) {
        NDArray logits = list.get(0);
        return classifications(logits.toFloatArray(), Math.toIntExact(logits.getShape().get(0)));
    }

    /** The tokenizer's ids, attention mask and token types of a batch, padded by the tokenizer to one length. */
    record Encoded(long[][] ids, long[][] attentionMask, long[][] typeIds) {

        int length() {
            return ids.length == 0 ? 0 : ids[0].length;
        }

        /** One array per input, int64 (or int32, DJL's {@code int32} argument) of the given shape. */
        NDList toNDList(NDManager manager, Shape shape, boolean int32) {
            NDList list = new NDList(typeIds == null ? 2 : 3);
            list.add(array(manager, ids, shape, int32));
            list.add(array(manager, attentionMask, shape, int32));
            if (typeIds != null) {
                list.add(array(manager, typeIds, shape, int32));
            }
            return list;
        }

        private static NDArray array(NDManager manager, long[][] rows, Shape shape, boolean int32) {
            int width = rows.length == 0 ? 0 : rows[0].length;
            for (long[] row : rows) {
                if (row.length != width) {
                    throw new IllegalStateException("the tokenizer padded the texts of one batch to different lengths");
                }
            }
            if (int32) {
                int[] flat = new int[rows.length * width];
                for (int i = 0; i < rows.length; i++) {
                    for (int j = 0; j < width; j++) {
                        flat[i * width + j] = Math.toIntExact(rows[i][j]);
                    }
                }
                return manager.create(IntBuffer.wrap(flat), shape);
            }
            long[] flat = new long[rows.length * width];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(rows[i], 0, flat, i * width, width);
            }
            return manager.create(LongBuffer.wrap(flat), shape);
        }
    }

    /** Tokenises a batch as DJL's translator would, from cut texts where that gives the same tokens. */
    Encoded encode(List<String> texts) {
        String[] inputs = new String[texts.size()];
        boolean[] cut = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            String text = full(texts, i);
            inputs[i] = cut(text, cutChars);
            cut[i] = inputs[i].length() != text.length();
        }
        while (true) {
            long[] handles = TokenizersLibrary.LIB.batchEncode(tokenizer.getHandle(), inputs, addSpecialTokens);
            boolean again = false;
            for (int i = 0; i < handles.length; i++) {
                if (cut[i] && TokenizersLibrary.LIB.getOverflowCount(handles[i]) == 0) {
                    inputs[i] = full(texts, i); // the cut text fits the window: its tokens may not be the full text's
                    cut[i] = false;
                    again = true;
                }
            }
            if (again) {
                Arrays.stream(handles).forEach(TokenizersLibrary.LIB::deleteEncoding);
                continue;
            }
            long[][] ids = new long[handles.length][];
            long[][] mask = new long[handles.length][];
            long[][] types = includeTokenTypes ? new long[handles.length][] : null;
            for (int i = 0; i < handles.length; i++) {
                ids[i] = TokenizersLibrary.LIB.getTokenIds(handles[i]);
                mask[i] = TokenizersLibrary.LIB.getAttentionMask(handles[i]);
                if (types != null) {
                    types[i] = TokenizersLibrary.LIB.getTypeIds(handles[i]);
                }
                TokenizersLibrary.LIB.deleteEncoding(handles[i]);
            }
            return new Encoded(ids, mask, types);
        }
    }

    private String full(List<String> texts, int i) {
        String text = texts.get(i);
        if (text == null) {
            throw new NullPointerException("input text cannot be null");
        }
        return lowerCase == null ? text : text.toLowerCase(lowerCase);
    }

    /**
     * The text up to the first ASCII whitespace at or after {@code limit} characters that follows a
     * letter or digit; the text itself when it is not longer than {@code limit} or has no such place.
     */
    static String cut(String text, int limit) {
        if (text.length() <= limit) {
            return text;
        }
        for (int i = Math.max(limit, 1); i < text.length(); i++) {
            if (asciiWhitespace(text.charAt(i)) && Character.isLetterOrDigit(text.charAt(i - 1))) {
                return text.substring(0, i);
            }
        }
        return text;
    }

    private static boolean asciiWhitespace(char c) {
        return c == ' ' || c == '\n' || c == '\t' || c == '\r';
    }

    /** Probabilities per text, labels sorted by probability, highest first (as DJL's translator sorts them). */
    private List<Classifications> classifications(float[] logits, int rows) {
        int width = labels.size();
        if (rows * width != logits.length) {
            throw new IllegalStateException("the model returned " + logits.length + " logits for " + rows
                    + " texts and " + width + " labels");
        }
        List<Classifications> out = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            double[] p = probabilities(logits, r * width, width);
            Integer[] order = new Integer[width];
            for (int i = 0; i < width; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            List<String> classes = new ArrayList<>(width);
            List<Double> values = new ArrayList<>(width);
            for (int index : order) {
                classes.add(labels.get(index));
                values.add(p[index]);
            }
            out.add(new Classifications(classes, values));
        }
        return out;
    }

    /** Softmax (in float, as libtorch computes it) or sigmoid of one row. */
    private double[] probabilities(float[] logits, int offset, int width) {
        double[] p = new double[width];
        if (sigmoid) {
            for (int i = 0; i < width; i++) {
                p[i] = (float) (1.0 / (1.0 + Math.exp(-logits[offset + i])));
            }
            return p;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < width; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        float sum = 0;
        float[] e = new float[width];
        for (int i = 0; i < width; i++) {
            e[i] = (float) Math.exp(logits[offset + i] - max);
            sum += e[i];
        }
        for (int i = 0; i < width; i++) {
            p[i] = e[i] / sum;
        }
        return p;
    }

}
