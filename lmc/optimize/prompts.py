"""DSPy's prompt signatures that lmc's SIMBA and GEPA ask their prompt and reflection LMs with, word for word:
the instructions, fields and descriptions DSPy sends, kept as data apart from the optimizers that use them."""

from __future__ import annotations

from typing import Any

from ..runtime.signature import Field, Signature

__all__ = ["OFFER_FEEDBACK", "PROPOSE_INSTRUCTION"]


# SIMBA's: DSPy's ``OfferFeedback`` of ``simba_utils.py``.
OFFER_FEEDBACK = Signature(
    name="OfferFeedback",
    instructions=(
        "You will be given two trajectories of an LLM-driven program's execution. Your goal is to help the "
        "program's modules\nbuild up experience on how to maximize the reward value assigned to the program's "
        "outputs if it were to receive\nsimilar inputs in the future.\n\n"
        "The module won't see its own history. It will rely on your advice balancing being concrete and being "
        "generalizable.\n\n"
        "In your advice:\n"
        "- Avoid boilerplate. Offer advice that would change the module's behavior for the better in the future.\n"
        "- Ensure that advice offered to a module M is specific to that M's specific sub-task, not the overall "
        "program.\n"
        "- Rely on contrasting the behavior of the worse trajectory against the better trajectory in making "
        "recommendations.\n"
        "- Ensure each unique module name appears exactly once as a key in the advice dictionary."
    ),
    inputs=(
        Field("program_code", str, "The code of the program that we are analyzing"),
        Field("modules_defn", str, "The definition of each module in the program, including its I/O"),
        Field("program_inputs", str, "The inputs to the program that we are analyzing"),
        Field("oracle_metadata", str, "Any (hidden) metadata about the training set instance we're analyzing"),
        Field("worse_program_trajectory", str, "The trajectory of the program's execution, showing each module's I/O"),
        Field("worse_program_outputs", str, "The outputs of the program that we are analyzing"),
        Field("worse_reward_value", float, "The reward value assigned to the program's outputs"),
        Field(
            "worse_reward_info",
            str,
            "Additional information that might be helpful to understanding the assigned reward value.",
        ),
        Field("better_program_trajectory", str, "The trajectory of the program's execution, showing each module's I/O"),
        Field("better_program_outputs", str, "The outputs of the program that we are analyzing"),
        Field("better_reward_value", float, "The reward value assigned to the program's outputs"),
        Field(
            "better_reward_info",
            str,
            "Additional information that might be helpful to understanding the assigned reward value.",
        ),
        Field("module_names", list[str], "The names of the modules in the program, for which we seek advice"),
    ),
    outputs=(
        Field("discussion", str, "Discussing blame of where each module went wrong, if it did"),
        Field(
            "module_advice",
            dict[str, str],
            "For each module, describe very concretely: If the module receives ${description of input or patterns "
            "therein}, then it should ${description of content, behavior, or strategies to adopt and/or others to "
            "avoid}. Basically, your advice be such that if the module has access to your tip, it would be much more "
            "likely to act like the successful trajectory rather than the lower-scoring trajectory.",
        ),
    ),
)


# GEPA's: DSPy's ``ProposeInstruction`` (``dspy/teleprompt/gepa/instruction_proposal.py``), the signature its
# default instruction proposer asks the reflection LM with: the same instructions, fields and descriptions.
PROPOSE_INSTRUCTION = Signature(
    name="ProposeInstruction",
    instructions=(
        "I provided an assistant with instructions to perform a task for me. You are given those instructions, "
        "along with examples of different task inputs provided to the assistant, the assistant's response for each "
        "of them, and some feedback on how the assistant's response could be better.\n\n"
        "Your task is to write a new instruction for the assistant.\n\n"
        "Read the inputs carefully and identify the input format and infer detailed task description about the "
        "task I wish to solve with the assistant.\n\n"
        "Read all the assistant responses and the corresponding feedback. Identify all niche and domain specific "
        "factual information about the task and include it in the instruction, as a lot of it may not be available "
        "to the assistant in the future. The assistant may have utilized a generalizable strategy to solve the "
        "task, if so, include that in the instruction as well."
    ),
    inputs=(
        Field("current_instruction", str, "The instructions I provided to the assistant."),
        Field(
            "examples_with_feedback",
            list[dict[str, Any]],
            "Task inputs provided to the assistant, the assistant's response for each, "
            "and feedback on how the response could be better.",
        ),
    ),
    outputs=(Field("new_instruction", str, "The new instruction for the assistant."),),
)
