package dev.mutual.eval.reasoning;

import java.util.List;

/**
 * The chain-of-thought demonstrations of Wei et al. 2022, "Chain-of-Thought Prompting Elicits Reasoning in Large
 * Language Models" (appendix prompts): 8 for GSM8K (the same 8 as lm-evaluation-harness {@code gsm8k-cot}) and 6
 * for StrategyQA. Order matters: a prompt with N shots uses the first N.
 */
final class CotExemplars {
    private CotExemplars() {}

    static final List<CotExemplar> GSM8K = List.of(
            new CotExemplar("There are 15 trees in the grove. Grove workers will plant trees in the grove today. After they are done, there will be 21 trees. How many trees did the grove workers plant today?",
                    "There are 15 trees originally. Then there were 21 trees after some more were planted. So there must have been 21 - 15 = 6. The answer is 6."),
            new CotExemplar("If there are 3 cars in the parking lot and 2 more cars arrive, how many cars are in the parking lot?",
                    "There are originally 3 cars. 2 more cars arrive. 3 + 2 = 5. The answer is 5."),
            new CotExemplar("Leah had 32 chocolates and her sister had 42. If they ate 35, how many pieces do they have left in total?",
                    "Originally, Leah had 32 chocolates. Her sister had 42. So in total they had 32 + 42 = 74. After eating 35, they had 74 - 35 = 39. The answer is 39."),
            new CotExemplar("Jason had 20 lollipops. He gave Denny some lollipops. Now Jason has 12 lollipops. How many lollipops did Jason give to Denny?",
                    "Jason started with 20 lollipops. Then he had 12 after giving some to Denny. So he gave Denny 20 - 12 = 8. The answer is 8."),
            new CotExemplar("Shawn has five toys. For Christmas, he got two toys each from his mom and dad. How many toys does he have now?",
                    "Shawn started with 5 toys. If he got 2 toys each from his mom and dad, then that is 4 more toys. 5 + 4 = 9. The answer is 9."),
            new CotExemplar("There were nine computers in the server room. Five more computers were installed each day, from monday to thursday. How many computers are now in the server room?",
                    "There were originally 9 computers. For each of 4 days, 5 more computers were added. So 5 * 4 = 20 computers were added. 9 + 20 is 29. The answer is 29."),
            new CotExemplar("Michael had 58 golf balls. On tuesday, he lost 23 golf balls. On wednesday, he lost 2 more. How many golf balls did he have at the end of wednesday?",
                    "Michael started with 58 golf balls. After losing 23 on tuesday, he had 58 - 23 = 35. After losing 2 more, he had 35 - 2 = 33 golf balls. The answer is 33."),
            new CotExemplar("Olivia has $23. She bought five bagels for $3 each. How much money does she have left?",
                    "Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15 dollars. So she has 23 - 15 dollars left. 23 - 15 is 8. The answer is 8."));

    static final List<CotExemplar> STRATEGYQA = List.of(
            new CotExemplar("Do hamsters provide food for any animals?",
                    "Hamsters are prey animals. Prey are food for predators. Thus, hamsters provide food for some animals. So the answer is yes."),
            new CotExemplar("Could Brooke Shields succeed at University of Pennsylvania?",
                    "Brooke Shields went to Princeton University. Princeton University is about as academically rigorous as the University of Pennsylvania. Thus, Brooke Shields could also succeed at the University of Pennsylvania. So the answer is yes."),
            new CotExemplar("Hydrogen's atomic number squared exceeds number of Spice Girls?",
                    "Hydrogen has an atomic number of 1. 1 squared is 1. There are 5 Spice Girls. Thus, Hydrogen's atomic number squared is less than 5. So the answer is no."),
            new CotExemplar("Is it common to see frost during some college commencements?",
                    "College commencement ceremonies can happen in December, May, and June. December is in the winter, so there can be frost. Thus, there could be frost at some commencements. So the answer is yes."),
            new CotExemplar("Could a llama birth twice during War in Vietnam (1945-46)?",
                    "The War in Vietnam was 6 months. The gestation period for a llama is 11 months, which is more than 6 months. Thus, a llama could not give birth twice during the War in Vietnam. So the answer is no."),
            new CotExemplar("Would a pear sink in water?",
                    "The density of a pear is about 0.6 g/cm^3, which is less than water. Objects less dense than water float. Thus, a pear would float. So the answer is no."));
}
