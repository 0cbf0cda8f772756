package dev.modelapi.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol's (KServe v2) messages as this service reads and writes them: the
 * inference request bound by Jackson (no type coercion: a number is not an id, {@code "true"} not
 * a boolean) and checked by Bean Validation, then by {@link InferenceProtocol} for what a record
 * cannot say (one input named {@code text}, data that matches its shape); and every answer.
 * Parameters the service does not act on are ignored, as the protocol allows.
 */
public final class InferenceMessages {

    private InferenceMessages() {
    }

    /** An answer that says whether something is ready: 200 when it is, else the protocol's 4xx. */
    public interface Readiness {
        boolean ready();
    }

    // ---- the inference request -------------------------------------------------------------

    /**
     * {@code POST /v2/models/{model}[/versions/{version}]/infer}.
     *
     * @param id echoed in the answer; the request id too when it may be logged (1-128 letters, digits, {@code . _ : -})
     * @param parameters the request's
     * @param inputs exactly one, {@code "text"}
     * @param outputs none (the probabilities), or one, {@code "probabilities"}
     */
    record InferRequest(
            String id,
            RequestParameters parameters,
            @NotNull List<@NotNull @Valid InputTensor> inputs,
            List<@NotNull @Valid RequestedOutput> outputs) {
    }

    /** @param binaryDataOutput every output as binary data unless the output says otherwise */
    record RequestParameters(@JsonProperty("binary_data_output") Boolean binaryDataOutput) {
    }

    /**
     * The texts: BYTES of shape {@code [N]} or {@code [N, 1]}, as JSON {@code data} (flat, or nested
     * one list per row) or as {@code binary_data_size} bytes after the JSON.
     */
    record InputTensor(
            String name,
            String datatype,
            @NotNull @Size(min = 1, max = 2) List<@NotNull @PositiveOrZero Long> shape,
            JsonNode data,
            @Valid InputParameters parameters) {
    }

    /** @param binaryDataSize how many of the bytes after the JSON are this input's */
    record InputParameters(@JsonProperty("binary_data_size") @PositiveOrZero Long binaryDataSize) {
    }

    /** An output the caller asks for. */
    record RequestedOutput(String name, @Valid OutputParameters parameters) {
    }

    /**
     * @param binaryData this output as binary data, over the request's {@code binary_data_output}
     * @param classification the best this many classes instead of the probabilities (the classification extension)
     */
    record OutputParameters(
            @JsonProperty("binary_data") Boolean binaryData,
            @Positive Integer classification) {
    }

    // ---- answers ---------------------------------------------------------------------------

    /** {@code GET /v2}. */
    public record ServerMetadata(String name, String version, List<String> extensions) {
    }

    /** {@code GET /v2/health/live}. */
    public record Live(boolean live) implements Readiness {
        @Override
        public boolean ready() {
            return live;
        }
    }

    /** {@code GET /v2/health/ready}. */
    public record ServerReady(boolean ready) implements Readiness {
    }

    /** {@code GET /v2/models/{model}[/versions/{version}]/ready}. */
    public record ModelReady(String name, boolean ready) implements Readiness {
    }

    /**
     * {@code GET /v2/models/{model}[/versions/{version}]}.
     *
     * @param versions the loaded versions; none for a named ensemble, which has no versions
     * @param platform {@code pytorch_torchscript}, or {@code ensemble} for a named ensemble
     * @param parameters {@code labels} in label-id order; {@code models} of a named ensemble
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
            List<TensorMetadata> outputs, Map<String, String> parameters) {
    }

    /** A tensor of the model's metadata; {@code -1} is a dimension of any size. */
    public record TensorMetadata(String name, String datatype, List<Integer> shape) {
    }

    /**
     * The answer to an inference request.
     *
     * @param modelVersion the version that answered; none for a named ensemble
     * @param parameters {@code degraded}: a model of the ensemble did not answer and the quorum did
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InferResponse(
            @JsonProperty("model_name") String modelName,
            @JsonProperty("model_version") String modelVersion,
            String id,
            Map<String, Object> parameters,
            List<OutputTensor> outputs) {
    }

    /**
     * The one output: {@code data} as JSON, or with binary data its size in {@code parameters}
     * ({@code binary_data_size}) and its bytes after the JSON.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OutputTensor(String name, String datatype, List<Integer> shape, Map<String, Object> parameters,
            List<Object> data) {
    }
}
