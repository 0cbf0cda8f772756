package dev.modelapi.ingest.grpc;

import dev.modelapi.ingest.InferenceMessages.InferResponse;
import dev.modelapi.ingest.InferenceMessages.ModelMetadata;
import dev.modelapi.ingest.InferenceMessages.ModelReady;
import dev.modelapi.ingest.InferenceMessages.OutputTensor;
import dev.modelapi.ingest.InferenceMessages.ServerMetadata;
import dev.modelapi.ingest.InferenceMessages.TensorMetadata;
import dev.modelapi.ingest.InferenceProtocol;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.modelapi.grpc.v2.InferParameter;
import dev.modelapi.grpc.v2.InferTensorContents;
import dev.modelapi.grpc.v2.ModelInferRequest;
import dev.modelapi.grpc.v2.ModelInferResponse;
import dev.modelapi.grpc.v2.ModelMetadataRequest;
import dev.modelapi.grpc.v2.ModelMetadataResponse;
import dev.modelapi.grpc.v2.ModelReadyRequest;
import dev.modelapi.grpc.v2.ModelReadyResponse;
import dev.modelapi.grpc.v2.ServerLiveResponse;
import dev.modelapi.grpc.v2.ServerMetadataResponse;
import dev.modelapi.grpc.v2.ServerReadyResponse;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * The Open Inference Protocol's gRPC messages on the same protocol as its REST API
 * ({@link InferenceProtocol}): each call is read into the REST API's form (the request as JSON,
 * {@code raw_input_contents} as its binary tensor data), checked by the same rules, and answered
 * from the same answer, its output always in {@code raw_output_contents} as Triton answers gRPC.
 */
@Component("grpcInference")
public class GrpcInference {

    private final InferenceProtocol protocol;
    private final ObjectMapper json;

    public GrpcInference(InferenceProtocol protocol, ObjectMapper json) {
        this.protocol = protocol;
        this.json = json;
    }

    /** {@code ServerLive}: answering at all is being live. */
    public ServerLiveResponse serverLive() {
        return ServerLiveResponse.newBuilder().setLive(true).build();
    }

    /** {@code ServerReady}: the routes are started and a model is loaded. */
    public ServerReadyResponse serverReady() {
        return ServerReadyResponse.newBuilder().setReady(protocol.serverReady().ready())
                .build();
    }

    /** {@code ServerMetadata}: the REST API's, less the binary tensor data extension, which is HTTP's. */
    public ServerMetadataResponse serverMetadata() {
        ServerMetadata metadata = protocol.serverMetadata();
        return ServerMetadataResponse.newBuilder()
                .setName(metadata.name())
                .setVersion(metadata.version())
                .addAllExtensions(metadata.extensions().stream()
                        .filter(e -> !InferenceProtocol.BINARY_EXTENSION.equals(e)).toList())
                .build();
    }

    /** {@code ModelReady}: as {@code GET /v2/models/{model}[/versions/{version}]/ready}; unknown is NOT_FOUND. */
    public ModelReadyResponse modelReady(ModelReadyRequest request) {
        ModelReady ready = protocol.modelReady(request.getName(), versionOf(request.getVersion()));
        return ModelReadyResponse.newBuilder().setReady(ready.ready()).build();
    }

    /** {@code ModelMetadata}: as {@code GET /v2/models/{model}[/versions/{version}]}. */
    public ModelMetadataResponse modelMetadata(ModelMetadataRequest request) {
        ModelMetadata metadata = protocol.modelMetadata(request.getName(), versionOf(request.getVersion()));
        ModelMetadataResponse.Builder answer = ModelMetadataResponse.newBuilder()
                .setName(metadata.name())
                .setPlatform(metadata.platform());
        if (metadata.versions() != null) {
            answer.addAllVersions(metadata.versions());
        }
        metadata.inputs().forEach(tensor -> answer.addInputs(tensorMetadata(tensor)));
        metadata.outputs().forEach(tensor -> answer.addOutputs(tensorMetadata(tensor)));
        return answer.build();
    }

    private static ModelMetadataResponse.TensorMetadata tensorMetadata(TensorMetadata tensor) {
        return ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(tensor.name())
                .setDatatype(tensor.datatype())
                .addAllShape(tensor.shape().stream().map(Integer::longValue).toList())
                .build();
    }

    /**
     * The {@code grpc-read-request} step: a {@code ModelInfer} request into one task per text on the
     * channel {@code grpc}. The texts come in {@code raw_input_contents} (tritonclient's way) or as
     * {@code contents.bytes_contents}, never both; each must be UTF-8.
     */
    public List<PredictionTask> read(Exchange exchange, ModelInferRequest request, String principal) {
        ObjectNode body = json.createObjectNode();
        if (!request.getId().isEmpty()) {
            body.put("id", request.getId());
        }
        ObjectNode parameters = parametersOf(request.getParametersMap());
        parameters.put("binary_data_output", true); // the output goes in raw_output_contents
        body.set("parameters", parameters);
        ArrayNode inputs = body.putArray("inputs");
        ByteBuffer binary = null;
        if (request.getRawInputContentsCount() > 0 && request.getRawInputContentsCount() != request.getInputsCount()) {
            throw InvalidRequestException.badRequest("invalid_inputs", "raw_input_contents has "
                    + request.getRawInputContentsCount() + " entries for " + request.getInputsCount() + " inputs");
        }
        for (int i = 0; i < request.getInputsCount(); i++) {
            ModelInferRequest.InferInputTensor tensor = request.getInputs(i);
            ObjectNode input = inputs.addObject();
            input.put("name", tensor.getName());
            input.put("datatype", tensor.getDatatype());
            ArrayNode shape = input.putArray("shape");
            tensor.getShapeList().forEach(shape::add);
            ObjectNode inputParameters = parametersOf(tensor.getParametersMap());
            input.set("parameters", inputParameters);
            boolean typed = tensor.hasContents() && !tensor.getContents().equals(InferTensorContents.getDefaultInstance());
            if (request.getRawInputContentsCount() > 0) {
                if (typed) {
                    throw InvalidRequestException.badRequest("invalid_inputs", "input \"" + tensor.getName()
                            + "\" has contents, but the request carries raw_input_contents; send one");
                }
                if (i == 0) {
                    binary = request.getRawInputContents(0).asReadOnlyByteBuffer();
                    inputParameters.put("binary_data_size", binary.remaining());
                }
            } else if (typed && i == 0) {
                binary = ByteBuffer.wrap(InferenceProtocol.lengthPrefixed(
                        tensor.getContents().getBytesContentsList().stream().map(ByteString::toByteArray).toList()));
                inputParameters.put("binary_data_size", binary.remaining());
            }
        }
        ArrayNode outputs = body.putArray("outputs");
        for (ModelInferRequest.InferRequestedOutputTensor tensor : request.getOutputsList()) {
            ObjectNode output = outputs.addObject();
            output.put("name", tensor.getName());
            output.set("parameters", parametersOf(tensor.getParametersMap()));
        }
        return protocol.readMessage(exchange, body, binary, request.getModelName(), versionOf(request.getModelVersion()),
                principal, "grpc");
    }

    /** The {@code grpc-answer} step: the answer of {@code v2-answer} as a {@code ModelInferResponse}. */
    public ModelInferResponse answer(Exchange exchange) {
        if (!(protocol.answer(exchange) instanceof InferenceProtocol.BinaryAnswer answer)) {
            throw new IllegalStateException("a gRPC request is answered in binary form");
        }
        InferResponse header = answer.header();
        ModelInferResponse.Builder response = ModelInferResponse.newBuilder()
                .setModelName(header.modelName())
                .setId(header.id());
        if (header.modelVersion() != null) {
            response.setModelVersion(header.modelVersion());
        }
        response.putParameters("degraded", InferParameter.newBuilder()
                .setBoolParam(Boolean.TRUE.equals(header.parameters().get("degraded"))).build());
        for (OutputTensor output : header.outputs()) {
            ModelInferResponse.InferOutputTensor.Builder tensor = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(output.name())
                    .setDatatype(output.datatype());
            output.shape().forEach(d -> tensor.addShape(d.longValue()));
            response.addOutputs(tensor);
        }
        return response.addRawOutputContents(ByteString.copyFrom(answer.data())).build();
    }

    private static ObjectNode parametersOf(Map<String, InferParameter> parameters) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        parameters.forEach((name, value) -> node.set(name, switch (value.getParameterChoiceCase()) {
            case BOOL_PARAM -> JsonNodeFactory.instance.booleanNode(value.getBoolParam());
            case INT64_PARAM -> JsonNodeFactory.instance.numberNode(value.getInt64Param());
            case STRING_PARAM -> JsonNodeFactory.instance.textNode(value.getStringParam());
            case DOUBLE_PARAM -> JsonNodeFactory.instance.numberNode(value.getDoubleParam());
            case UINT64_PARAM -> JsonNodeFactory.instance.numberNode(
                    new BigInteger(Long.toUnsignedString(value.getUint64Param())));
            case PARAMETERCHOICE_NOT_SET -> JsonNodeFactory.instance.nullNode();
        }));
        return node;
    }

    /** An empty version is the default version. */
    private static String versionOf(String version) {
        return version == null || version.isEmpty() ? null : version;
    }
}
